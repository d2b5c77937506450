import { join } from 'node:path';
import { OciError } from '../errors.js';

/**
 * A cross-process lock on a folder (proper-lockfile: mkdir-based, so it works
 * on every filesystem; a lock left by a killed process goes stale and is taken
 * over after `staleMs`).
 */
export async function withDirLock<T>(dir: string, name: string, work: () => Promise<T>, staleMs = 10_000): Promise<T> {
  const { lock } = await import('proper-lockfile');
  let release: () => Promise<void>;
  try {
    release = await lock(dir, {
      lockfilePath: join(dir, name),
      realpath: false,
      stale: staleMs,
      update: Math.max(1000, staleMs / 2),
      retries: { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 200, randomize: true },
    });
  } catch (error) {
    throw new OciError('ERR_OCI_LOCKED', `cannot lock ${dir}: ${(error as Error).message}`, {
      cause: error,
      hint: 'another process holds the lock; it is taken over once stale',
    });
  }
  try {
    return await work();
  } finally {
    await release().catch(() => {});
  }
}
