import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';

/*
 * The one place this package reads layer tars. It becomes a thin adapter over
 * readLayerEntries() from @ocikit/oci-image once that lands, so the rest of
 * the package depends only on the shape below.
 */

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo' | 'other';

export interface TarEntry {
  /** The name as stored in the tar. */
  name: string;
  type: EntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string | undefined;
  /** The content; read it or leave it (the reader drains what is left). */
  body: AsyncIterable<Buffer>;
}

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'link',
  'character-device': 'character-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

/** Stream the entries of an uncompressed tar, one at a time. */
export async function* tarEntries(tar: Readable): AsyncGenerator<TarEntry> {
  const extractor = extract();
  tar.on('error', (error) => extractor.destroy(error));
  tar.pipe(extractor);
  try {
    for await (const entry of extractor) {
      const h = entry.header;
      yield {
        name: h.name,
        type: TYPES[h.type ?? 'file'] ?? 'other',
        size: h.size ?? 0,
        mode: h.mode ?? 0,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        mtime: h.mtime ? Math.floor(h.mtime.getTime() / 1000) : 0,
        linkname: h.linkname ?? undefined,
        body: entry as AsyncIterable<Buffer>,
      };
      entry.resume();
    }
  } finally {
    tar.unpipe(extractor);
    tar.destroy();
  }
}
