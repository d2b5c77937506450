import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw) as (input: Buffer, options: ZlibOptions) => Promise<Buffer>;
const BLOCK_SIZE = 1024 * 1024;
const WINDOW = 32 * 1024;
// Magic, deflate, no flags, mtime 0, no extra flags, OS unix: the same bytes on every host.
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);

/**
 * gzip on several threads, the way pigz does it: the input is cut in 1 MiB
 * blocks, each deflated on the libuv pool with the previous 32 KiB as its
 * dictionary and ended with a sync flush, so the pieces join into one
 * ordinary deflate stream in a single gzip member. The output depends only
 * on the input and the level, not on the number of threads.
 */
export class ParallelGzip extends Transform {
  private parts: Buffer[] = [];
  private partsSize = 0;
  private readonly inFlight: Array<Promise<Buffer>> = [];
  private dictionary: Buffer | undefined;
  private crc = 0;
  private size = 0;
  private started = false;

  constructor(
    private readonly level: number = constants.Z_DEFAULT_COMPRESSION,
    private readonly jobs: number = Math.max(2, availableParallelism()),
  ) {
    super({ highWaterMark: 4 * BLOCK_SIZE });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.parts.push(chunk);
    this.partsSize += chunk.length;
    if (this.partsSize < BLOCK_SIZE) return done();
    this.launchFullBlocks().then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    (async () => {
      await this.launchFullBlocks();
      await this.launch(Buffer.concat(this.parts, this.partsSize), true);
      while (this.inFlight.length > 0) this.emit_(await (this.inFlight.shift() as Promise<Buffer>));
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.size % 2 ** 32, 4);
      this.push(trailer);
    })().then(() => done(), done);
  }

  private async launchFullBlocks(): Promise<void> {
    while (this.partsSize >= BLOCK_SIZE) {
      const all = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.partsSize);
      const rest = all.subarray(BLOCK_SIZE);
      this.parts = rest.length ? [rest] : [];
      this.partsSize = rest.length;
      await this.launch(all.subarray(0, BLOCK_SIZE), false);
    }
  }

  private async launch(block: Buffer, last: boolean): Promise<void> {
    this.crc = crc32(block, this.crc);
    this.size += block.length;
    const options: ZlibOptions = {
      level: this.level,
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      ...(this.dictionary ? { dictionary: this.dictionary } : {}),
    };
    this.inFlight.push(deflateRawAsync(block, options));
    if (!last) this.dictionary = block.subarray(block.length - WINDOW);
    while (this.inFlight.length >= this.jobs) this.emit_(await (this.inFlight.shift() as Promise<Buffer>));
  }

  private emit_(compressed: Buffer): void {
    if (!this.started) {
      this.started = true;
      this.push(HEADER);
    }
    this.push(compressed);
  }
}
