import { PassThrough, pipeline, Readable, type Transform } from 'node:stream';
import { OciError } from './errors.js';
import type { Compression } from './media-types.js';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip';
  if (head.length >= 4 && ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

export class CompressionMismatchError extends OciError {
  constructor(declared: Compression, found: Compression) {
    super('ERR_OCI_COMPRESSION', `layer media type says ${declared} but its bytes are ${found}`, {
      hint: 'the layer descriptor does not match the blob',
    });
  }
}

export interface ZstdModule {
  CompressStream: new (params?: Record<string, unknown>) => Transform;
  DecompressStream: new () => Transform;
}

let zstdModule: Promise<ZstdModule> | undefined;

/** node:zlib too is loaded on first use: most commands never (de)compress, and it costs start-up. */
function loadZlib(): Promise<typeof import('node:zlib')> {
  return import('node:zlib');
}

/** zstd-napi is a native addon: load it only when a zstd layer shows up. */
export function loadZstd(): Promise<ZstdModule> {
  zstdModule ??= import('zstd-napi').then((m) => m as unknown as ZstdModule);
  return zstdModule;
}

/**
 * Take at least n bytes off the front of a stream (fewer if it is shorter),
 * and give back a stream of the whole content: the head, then the rest of
 * the same iterator, with backpressure and errors kept.
 */
async function peek(stream: Readable, n: number): Promise<{ head: Buffer; whole: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const whole = Readable.from(rest(), { objectMode: false });
  whole.once('close', () => void iterator.return?.());
  return { head, whole };
}

/**
 * Decompress a stream of the declared compression, checking the magic bytes
 * first. Docker's tar.gzip type is sometimes used for plain tars, so a plain
 * tar is accepted there (as containers/image does).
 */
export async function decompressStream(input: Readable, declared: Compression): Promise<Readable> {
  const { head, whole: source } = await peek(input, 4);
  const found = detectCompression(head);
  if (found !== declared && !(declared === 'gzip' && found === 'none')) {
    source.destroy();
    input.destroy();
    throw new CompressionMismatchError(declared, found);
  }
  return decode(source, found, `${found} layer`);
}

/** Decompress whatever the magic bytes say (plain, gzip or zstd): for a tar a user hands in. */
export async function decompressDetected(input: Readable): Promise<Readable> {
  const { head, whole: source } = await peek(input, 4);
  return decode(source, detectCompression(head), 'the input tar');
}

/** `subject` names what failed in a decode error (its message is the CLI's error line). */
async function decode(source: Readable, found: Compression, subject: string): Promise<Readable> {
  if (found === 'none') return source;
  const decoder = found === 'gzip' ? (await loadZlib()).createGunzip({ chunkSize: 256 * 1024 }) : new (await loadZstd()).DecompressStream();
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  // Registered before pipeline's own handler, so readers see the wrapped error, not zlib's.
  decoder.once('error', (error: Error) => out.destroy(wrapDecodeError(error, subject)));
  pipeline(source, decoder, out, (error) => {
    if (error && !out.destroyed) out.destroy(wrapDecodeError(error, subject));
  });
  return out;
}

function wrapDecodeError(error: Error, subject: string): Error {
  if (error instanceof OciError) return error;
  return new OciError('ERR_OCI_DECOMPRESS', `cannot decompress ${subject}: ${error.message}`, { cause: error });
}

export interface CompressOptions {
  level?: number;
}

/** A compressing transform for a compression kind. */
export async function compressor(compression: Compression, options: CompressOptions = {}): Promise<Transform> {
  if (compression === 'gzip') {
    const zlib = await loadZlib();
    return zlib.createGzip({ level: options.level ?? zlib.constants.Z_DEFAULT_COMPRESSION, chunkSize: 256 * 1024 });
  }
  if (compression === 'zstd') {
    const zstd = await loadZstd();
    return new zstd.CompressStream(options.level === undefined ? {} : { compressionLevel: options.level });
  }
  return new PassThrough();
}
