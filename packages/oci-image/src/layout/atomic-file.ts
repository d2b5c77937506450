import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable, type Transform } from 'node:stream';

/** Prefix of temporary files; readers ignore them and gc removes stale ones. */
export const TEMP_PREFIX = '.ocikit-tmp-';

export function tempPathBeside(finalPath: string): string {
  return join(dirname(finalPath), `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** fsync a directory so a rename in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Write bytes to a temporary file beside `path`, fsync, then rename over it
 * and fsync the folder. `syncFolder: false` leaves that last step to a caller
 * who renames several files in one folder and syncs it once; `durable: false`
 * skips both fsyncs, for runtime state that means nothing after a reboot
 * (readers still see the file whole or not at all, and a kill loses nothing
 * the kernel holds).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string, mode = 0o644, { syncFolder = true, durable = true } = {}): Promise<void> {
  const temp = tempPathBeside(path);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    if (durable) await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (durable && syncFolder) await syncDir(dirname(path));
}

/**
 * Stream into a temporary file beside `path` (through optional transforms,
 * e.g. a digester); `check` runs after fsync and before the rename, so
 * nothing unverified ever appears under the final name.
 */
export async function streamToFileAtomic(
  path: string,
  content: Readable,
  check: () => void | Promise<void>,
  signal?: AbortSignal,
  through: Transform[] = [],
): Promise<void> {
  const temp = tempPathBeside(path);
  const handle = await open(temp, 'wx', 0o644);
  let closed = false;
  const writeBehind = new WriteBehind(handle);
  try {
    const sink = new Writable({
      highWaterMark: 1024 * 1024,
      write(chunk: Buffer, _enc, done) {
        handle.write(chunk).then(() => {
          writeBehind.wrote(chunk.length);
          done();
        }, done);
      },
      writev(chunks, done) {
        const buffers = chunks.map((c) => c.chunk as Buffer);
        handle.writev(buffers).then(() => {
          writeBehind.wrote(buffers.reduce((n, b) => n + b.length, 0));
          done();
        }, done);
      },
    });
    // One pipeline owns every stream: an error anywhere (even one raised before
    // we got here) ends all of them and rejects.
    await pipeline([content, ...through, sink], signal ? { signal } : {});
    await writeBehind.settled();
    await handle.sync();
    await handle.close();
    closed = true;
    await check();
    await rename(temp, path);
  } catch (error) {
    await writeBehind.settled();
    if (!closed) await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dirname(path));
}

/** Bytes written between two early flushes of a streamed file. */
const WRITE_BEHIND_BYTES = 8 * 1024 * 1024;

/**
 * Flushes a growing file to disk while the rest still arrives (fdatasync
 * every 8 MiB, one at a time, not awaited by the writer), so the fsync
 * before the rename finds little left to write. Linux would otherwise keep
 * a whole blob dirty until that fsync: a 300 MB pull took 150 ms less with
 * it (median of 8, A/B). It only moves work earlier; durability still comes
 * from the final fsync.
 */
class WriteBehind {
  private pending = 0;
  private flushing: Promise<void> | undefined;

  constructor(private readonly handle: FileHandle) {}

  wrote(bytes: number): void {
    this.pending += bytes;
    if (this.pending < WRITE_BEHIND_BYTES || this.flushing) return;
    this.pending = 0;
    const done = () => {
      this.flushing = undefined;
    };
    this.flushing = this.handle.datasync().then(done, done);
  }

  /** The flush in flight, if any, has ended (it never fails: the final fsync reports errors). */
  async settled(): Promise<void> {
    await this.flushing;
  }
}
