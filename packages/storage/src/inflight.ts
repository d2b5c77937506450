import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeRunState } from './run-state.js';
import type { Store } from './store.js';

/**
 * Markers of operations in progress (a pull writing blobs, a create using
 * layers before its record exists). Garbage collection leaves blobs and
 * layers alone while a live marker exists; a marker whose process is gone
 * (kill -9) is stale and ignored, then removed by check --repair.
 */
export interface InflightMarker {
  pid: number;
  what: string;
  started: string;
}

export async function beginInflight(store: Store, what: string): Promise<() => Promise<void>> {
  const path = join(store.paths.inflight, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const marker: InflightMarker = { pid: process.pid, what, started: new Date().toISOString() };
  // Atomic: prune and check read markers while others are being written.
  await writeRunState(path, JSON.stringify(marker));
  store.logger.debug?.(`begin ${what}`);
  let ended = false;
  return async () => {
    if (ended) return;
    ended = true;
    await rm(path, { force: true });
  };
}

export async function withInflight<T>(store: Store, what: string, work: () => Promise<T>): Promise<T> {
  const end = await beginInflight(store, what);
  try {
    return await work();
  } finally {
    await end();
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface MarkerState {
  file: string;
  marker: InflightMarker | undefined;
  live: boolean;
}

export async function listInflight(store: Store): Promise<MarkerState[]> {
  const names = await readdir(store.paths.inflight).catch(() => [] as string[]);
  const out: MarkerState[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue; // a marker still being written
    const file = join(store.paths.inflight, name);
    const marker = await readFile(file, 'utf8').then(
      (t) => {
        try {
          return JSON.parse(t) as InflightMarker;
        } catch {
          return undefined;
        }
      },
      () => undefined,
    );
    out.push({ file, marker, live: marker !== undefined && processAlive(marker.pid) });
  }
  return out;
}
