import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { LayoutError } from '../errors.js';

/** The only names an OCI layout archive may hold; anything else is refused (no path tricks). */
const LAYOUT_ENTRY = /^(oci-layout|index\.json|blobs\/[a-z0-9]+\/[a-zA-Z0-9=_-]+)$/;
const LAYOUT_DIR = /^(blobs|blobs\/[a-z0-9]+)$/;

/** Extract an OCI layout tar into an empty folder. */
export async function extractLayoutTar(input: Readable, into: string): Promise<void> {
  const { extract } = await import('tar-stream');
  const ex = extract();
  const done = pipeline(input, ex);
  // Awaited after the loop; the loop may stop first (a bad entry, a missing file).
  done.catch(() => {});
  try {
    for await (const entry of ex) {
      const name = entry.header.name.replace(/^\.\//, '').replace(/\/+$/, '');
      const type = entry.header.type;
      if (name === '' || name === '.' || (type === 'directory' && LAYOUT_DIR.test(name))) {
        entry.resume();
        continue;
      }
      if (type !== 'file' || !LAYOUT_ENTRY.test(name)) {
        entry.resume();
        throw new LayoutError(`archive entry ${JSON.stringify(entry.header.name)} (${type}) does not belong in an OCI layout`, {
          hint: 'an oci-archive holds oci-layout, index.json and blobs/ALG/HEX files only',
        });
      }
      const target = join(into, name);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(entry, createWriteStream(target, { flags: 'wx' }));
    }
    await done;
  } catch (error) {
    ex.destroy();
    if (error instanceof LayoutError) throw error;
    throw new LayoutError(`cannot read the archive: ${(error as Error).message}`, { cause: error });
  }
}

/** Write a layout folder as a tar (sorted, fixed metadata) to a stream. */
export async function packLayoutTar(from: string, output: Writable): Promise<void> {
  const { pack } = await import('tar-stream');
  const p = pack();
  const written = pipeline(p, output);
  const header = { mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
  const addFile = async (name: string) => {
    const size = (await stat(join(from, name))).size;
    await new Promise<void>((resolve, reject) => {
      const entry = p.entry({ ...header, name, size, mode: 0o644, type: 'file' }, (e) => (e ? reject(e) : resolve()));
      createReadStream(join(from, name)).on('error', reject).pipe(entry);
    });
  };
  await addFile('oci-layout');
  p.entry({ ...header, name: 'blobs/', type: 'directory', mode: 0o755 });
  for (const algorithm of (await readdir(join(from, 'blobs'))).sort()) {
    p.entry({ ...header, name: `blobs/${algorithm}/`, type: 'directory', mode: 0o755 });
    for (const hex of (await readdir(join(from, 'blobs', algorithm))).sort()) {
      if (!hex.startsWith('.')) await addFile(`blobs/${algorithm}/${hex}`);
    }
  }
  await addFile('index.json');
  p.finalize();
  await written;
}
