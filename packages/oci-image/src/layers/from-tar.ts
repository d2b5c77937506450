import { Readable } from 'node:stream';
import { decompressDetected } from '../compression.js';
import { writeLayerBlob, type CreatedLayer, type LayerWriteOptions } from './create.js';
import { BLOCK, encodeHeader, END_OF_ARCHIVE, padding } from './tar-format.js';
import { readLayerEntries } from './tar-reader.js';

/** Accept a plain, gzip or zstd tar on input, found from the magic bytes. */
export function plainTar(input: Readable): Promise<Readable> {
  return decompressDetected(input);
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
  return writeLayerBlob(Readable.from(rewrite(), { objectMode: false, highWaterMark: BLOCK * 512 }), { ...options, entries: () => entries });
}
