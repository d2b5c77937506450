import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from './errors.js';
import { processAlive } from './inflight.js';

export interface LockOptions {
  /** How long to keep trying before giving up. */
  waitMs?: number;
}

const OWNER_FILE = 'owner';

/** The kernel's start time of a process, so a recycled pid is not taken for the old owner. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const myIdentity = `${process.pid}:${startTimeOf(process.pid) ?? '?'}`;

function ownerAlive(identity: string): boolean {
  const [pidText, started] = identity.split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = startTimeOf(pid);
  if (now === undefined) return processAlive(pid);
  return started === '?' || now === started;
}

/** The owner written in a lock dir; undefined while it is being written. */
async function readOwner(path: string): Promise<string | undefined> {
  const text = await readFile(join(path, OWNER_FILE), 'utf8').catch(() => undefined);
  return text && /^\d+:\S+$/.test(text) ? text : undefined;
}

/**
 * Take over a lock whose owner is dead: move it aside, and check that what
 * we moved is the lock we judged dead (not a fresh one someone just made).
 */
async function breakIfDead(path: string, locks: string): Promise<void> {
  const owner = await readOwner(path);
  if (owner === undefined) {
    // Made but not yet owned: only a holder killed in that instant leaves this for long.
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age < 5000) return;
  } else if (ownerAlive(owner)) {
    return;
  }
  const aside = join(locks, `.stale-${randomBytes(6).toString('hex')}`);
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (moved !== owner) await rename(aside, path).catch(() => {});
  else await rm(aside, { recursive: true, force: true });
}

/**
 * A named cross-process lock in `dir`: a directory made with mkdir (atomic),
 * holding the owner's pid and start time. A lock whose owner died (kill -9)
 * is taken over at once, without waiting for a timeout.
 */
export async function withLock<T>(dir: string, name: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? 10 * 60_000;
  const path = join(dir, `${name}.lock`);
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      // The locks folder exists once the store is open: made here only when missing.
      await mkdir(path).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        await mkdir(dir, { recursive: true });
        await mkdir(path);
      });
      // Written beside, then renamed: a reader never sees half an owner.
      await writeFile(join(path, `${OWNER_FILE}.tmp`), myIdentity);
      await rename(join(path, `${OWNER_FILE}.tmp`), join(path, OWNER_FILE));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - started > waitMs) {
        throw new StorageError('ERR_STORAGE_LOCKED', `timed out waiting for the lock ${name} in ${dir}`, {
          hint: 'another process holds it; `oci-storage check --repair` clears locks of dead processes',
        });
      }
      await breakIfDead(path, dir);
      await sleep(Math.min(200, 5 + attempt * 5) * (0.5 + Math.random()));
    }
  }
  try {
    return await work();
  } finally {
    // The lock holds only the owner file: two calls, not a recursive walk (which lists it first).
    await unlink(join(path, OWNER_FILE))
      .then(() => rmdir(path))
      .catch(() => rm(path, { recursive: true, force: true }));
  }
}

/** Locks left by dead processes (for check). */
export async function deadLocks(dir: string, names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.lock') && !name.startsWith('.stale-')) continue;
    const owner = await readOwner(join(dir, name));
    const age = await stat(join(dir, name)).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (owner === undefined ? age > 5000 : !ownerAlive(owner)) out.push(name);
  }
  return out;
}
