import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { streamToFileAtomic } from './atomic-file.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocikit-atomic-'));
  dirs.push(dir);
  return dir;
}

/** `total` bytes in pieces of uneven size, failing with `error` after `failAfter` bytes when given. */
function source(bytes: Buffer, failAfter?: number): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && at >= failAfter) return this.destroy(new Error('source broke'));
      if (at >= bytes.length) return this.push(null);
      const size = 100_000 + ((at * 7) % 900_000);
      this.push(bytes.subarray(at, at + size));
      at += size;
    },
  });
}

/** Counts FileHandle#datasync calls (write-behind flushes) made in this process. */
async function countFlushes(dir: string) {
  const probe = await open(join(dir, 'probe'), 'w');
  const spy = vi.spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, 'datasync');
  await probe.close();
  return spy;
}

describe('streamToFileAtomic', () => {
  it('writes a big stream exactly, flushing to disk while it arrives', async () => {
    const dir = folder();
    const flushes = await countFlushes(dir);
    const bytes = randomBytes(40 * 1024 * 1024);
    await streamToFileAtomic(join(dir, 'blob'), source(bytes), () => {});
    expect(readFileSync(join(dir, 'blob')).equals(bytes)).toBe(true);
    // One flush at a time, every 8 MiB at most: some, never more than five for 40 MiB.
    expect(flushes.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(flushes.mock.calls.length).toBeLessThanOrEqual(5);
    expect(readdirSync(dir).sort()).toEqual(['blob', 'probe']);
  });

  it('does not flush early for a small file', async () => {
    const dir = folder();
    const flushes = await countFlushes(dir);
    await streamToFileAtomic(join(dir, 'small'), source(randomBytes(3 * 1024 * 1024)), () => {});
    expect(flushes).not.toHaveBeenCalled();
  });

  it('leaves nothing behind when the source breaks or the check fails after flushes began', async () => {
    const dir = folder();
    const bytes = randomBytes(24 * 1024 * 1024);
    await expect(streamToFileAtomic(join(dir, 'broken'), source(bytes, 18 * 1024 * 1024), () => {})).rejects.toThrow('source broke');
    await expect(
      streamToFileAtomic(join(dir, 'refused'), source(bytes), () => {
        throw new Error('digest mismatch');
      }),
    ).rejects.toThrow('digest mismatch');
    expect(existsSync(join(dir, 'broken'))).toBe(false);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
