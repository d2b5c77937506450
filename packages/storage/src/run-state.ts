import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TEMP_PREFIX } from '@ocikit/oci-image';

/**
 * Write a file of runroot state (mount counts, in-flight markers) so that
 * readers see it whole or not at all: beside, then renamed. No fsync: this
 * state means nothing after a reboot (mounts and processes are gone then), and
 * a kill -9 does not lose what the kernel already holds.
 */
export async function writeRunState(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
