import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from './errors.js';

export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. */
  staleMs?: number;
  /** How long to keep trying before giving up. */
  waitMs?: number;
}

/**
 * A named cross-process lock in `dir` (proper-lockfile: mkdir based, its mtime
 * refreshed while held, so a lock left by a kill -9 goes stale and is taken
 * over). Each name is its own lock file, so one process may hold several.
 */
export async function withLock<T>(dir: string, name: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { lock } = await import('proper-lockfile');
  const staleMs = options.staleMs ?? 20_000;
  const waitMs = options.waitMs ?? 10 * 60_000;
  await mkdir(dir, { recursive: true });
  const target = join(dir, name);
  let release: () => Promise<void>;
  const started = Date.now();
  for (;;) {
    try {
      release = await lock(target, {
        realpath: false,
        stale: staleMs,
        update: Math.max(1000, Math.floor(staleMs / 4)),
        retries: { retries: 50, factor: 1.3, minTimeout: 10, maxTimeout: 250, randomize: true },
        // A late refresh on a busy machine must not crash the process; the work is idempotent.
        onCompromised: () => {},
      });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED' && Date.now() - started < waitMs) continue;
      throw new StorageError('ERR_STORAGE_LOCKED', `cannot take the lock ${name} in ${dir}: ${(error as Error).message}`, {
        cause: error,
        hint: 'another process holds it; a lock of a killed process is taken over once stale',
      });
    }
  }
  try {
    return await work();
  } finally {
    await release().catch(() => {});
  }
}
