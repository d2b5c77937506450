import { writeFileAtomic } from '@ocikit/oci-image/atomic-file';

/**
 * Write a state file (container record, bundle config, exit code) by
 * rename, so readers never see half of it; no fsync: this is runtime state,
 * as volatile as the containers it describes (podman keeps it on tmpfs), and
 * an fsync costs more than the rest of a small write.
 */
export function writeStateFile(path: string, bytes: Uint8Array | string): Promise<void> {
  return writeFileAtomic(path, bytes, 0o644, { durable: false });
}
