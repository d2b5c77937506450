import { writeFileAtomic } from '@ocikit/oci-image/atomic-file';

/**
 * Write a file of runroot state (mount counts, in-flight markers) so that
 * readers see it whole or not at all. No fsync: this state means nothing
 * after a reboot (mounts and processes are gone then), and a kill -9 does
 * not lose what the kernel already holds.
 */
export function writeRunState(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, text, 0o644, { durable: false });
}
