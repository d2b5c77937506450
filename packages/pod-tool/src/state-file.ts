import { rm, writeFile, rename } from 'node:fs/promises';
import { tempPathBeside } from '@ocikit/oci-image/atomic-file';

/**
 * Write a state file (container record, bundle config, exit code) by
 * rename, so readers never see half of it; no fsync: this is runtime state,
 * as volatile as the containers it describes (podman keeps it on tmpfs), and
 * an fsync costs more than the rest of a small write.
 */
export async function writeStateFile(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = tempPathBeside(path);
  try {
    await writeFile(temp, bytes, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
