import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { detectCompression, loadZstd } from '../compression.js';
import { OciError } from '../errors.js';
import { writeLayerBlob, type CreatedLayer, type LayerWriteOptions } from './create.js';
import { BLOCK, encodeHeader, END_OF_ARCHIVE, padding } from './tar-format.js';
import { readLayerEntries } from './tar-reader.js';

/** Accept a plain, gzip or zstd tar on input, found from the magic bytes. */
export async function plainTar(input: Readable): Promise<Readable> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < 4) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    length += next.value.length;
  }
  const first = Buffer.concat(head);
  const rest = Readable.from(
    (async function* () {
      if (first.length) yield first;
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value as Buffer;
    })(),
    { objectMode: false },
  );
  const found = detectCompression(first);
  if (found === 'none') return rest;
  const decoder = found === 'gzip' ? createGunzip() : new (await loadZstd()).DecompressStream();
  // pipeline, not pipe: an error on either side must reach the reader.
  return pipeline(rest, decoder, () => {});
}

/**
 * A layer from a tar stream (plain, gzip or zstd). Entries are rewritten in
 * their order with normalised names, numeric owners only and clamped mtimes,
 * so the same tar gives the same layer.
 */
export async function createLayerFromTar(input: Readable, options: LayerWriteOptions = {}): Promise<CreatedLayer> {
  const tar = await plainTar(input);
  let entries = 0;
  const limit = options.timestamp ? Math.floor(options.timestamp.getTime() / 1000) : Infinity;
  async function* rewrite(): AsyncGenerator<Buffer> {
    for await (const entry of readLayerEntries(tar, options.signal ? { signal: options.signal } : {})) {
      if (entry.path === '') continue;
      entries++;
      yield encodeHeader({
        name: entry.type === 'dir' ? `${entry.path}/` : entry.path,
        type: entry.type,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        size: entry.size,
        mtime: Math.min(Math.floor(entry.mtime.getTime() / 1000), limit),
        ...(entry.linkname !== undefined ? { linkname: entry.linkname } : {}),
        devmajor: entry.devmajor,
        devminor: entry.devminor,
        ...(entry.xattrs.size ? { xattrs: entry.xattrs } : {}),
      });
      if (entry.size > 0) {
        yield* entry.body();
        const pad = padding(entry.size);
        if (pad) yield Buffer.alloc(pad);
      }
    }
    yield END_OF_ARCHIVE;
  }
  try {
    return await writeLayerBlob(Readable.from(rewrite(), { objectMode: false, highWaterMark: BLOCK * 512 }), { ...options, entries: () => entries });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ZSTD'))) {
      throw new OciError('ERR_OCI_DECOMPRESS', `cannot decompress the input tar: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

