import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withLock } from '../src/lock.js';
import { tempStore } from './support.js';

const LOCK_MODULE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'lock.js')).href;

/** A child that does `rounds` read-increment-write cycles of `counter` under the lock (slowly, to invite races). */
function incrementer(dir: string, counter: string, rounds: number, killAfterLockMs?: number): Promise<number | null> {
  const script = `
    import { withLock } from ${JSON.stringify(LOCK_MODULE)};
    import { readFileSync, writeFileSync } from 'node:fs';
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    for (let i = 0; i < ${rounds}; i++) {
      await withLock(${JSON.stringify(dir)}, 'counter', async () => {
        const n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8'));
        ${killAfterLockMs === undefined ? '' : `await sleep(${killAfterLockMs}); process.kill(process.pid, 'SIGKILL');`}
        await sleep(Math.random() * 3);
        writeFileSync(${JSON.stringify(counter)}, String(n + 1));
      });
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

describe('locks', () => {
  it('8 processes never hold one lock at once, and a lock of a killed holder is taken over at once', async () => {
    const s = await tempStore();
    try {
      const counter = path.join(s.root, 'counter');
      writeFileSync(counter, '0');
      const codes = await Promise.all(Array.from({ length: 8 }, () => incrementer(s.root, counter, 15)));
      expect(codes).toEqual(Array(8).fill(0));
      expect(readFileSync(counter, 'utf8')).toBe('120');

      // A holder killed inside the lock leaves it behind; the next taker does not wait for a timeout.
      expect(await incrementer(s.root, counter, 1, 0)).toBeNull();
      const started = Date.now();
      await withLock(s.root, 'counter', async () => writeFileSync(counter, 'after'));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(readFileSync(counter, 'utf8')).toBe('after');
    } finally {
      await s.cleanup();
    }
  });
});
