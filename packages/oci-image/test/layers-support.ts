import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';

export interface TarItem {
  header: Partial<Header> & { name: string };
  body?: string | Buffer;
}

/** A tar built with tar-stream (an independent writer), as bytes. */
export async function tarOf(items: TarItem[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  // Read while writing: pack applies backpressure, so waiting on an entry first would deadlock.
  const collected = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const item of items) {
    const header = { mode: 0o644, mtime: new Date(1_600_000_000_000), uid: 0, gid: 0, ...item.header };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (header.type === undefined || header.type === 'file') p.entry(header, item.body ?? '', done);
      else p.entry(header, done);
    });
  }
  p.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** A stream of bytes in small pieces, to exercise chunk boundaries. */
export function streamOf(bytes: Buffer, pieceSize = 1000): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += pieceSize) pieces.push(bytes.subarray(i, i + pieceSize));
  return Readable.from(pieces);
}

export interface NodeSummary {
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  link?: string;
  sha256?: string;
}

/** What a tree is, as the interop tests compare it: names, types, modes, owners, sizes, link targets, content hashes. */
export function summariseTree(root: string, options: { ignore?: (path: string) => boolean } = {}): Record<string, NodeSummary> {
  const out: Record<string, NodeSummary> = {};
  const visit = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      if (options.ignore?.(path)) continue;
      const info = lstatSync(abs);
      const type = info.isDirectory() ? 'dir' : info.isFile() ? 'file' : info.isSymbolicLink() ? 'symlink' : info.isFIFO() ? 'fifo' : info.isCharacterDevice() ? 'char' : info.isBlockDevice() ? 'block' : 'other';
      const summary: NodeSummary = { type, mode: (info.mode & 0o7777).toString(8), uid: info.uid, gid: info.gid, size: info.isFile() ? info.size : 0 };
      if (info.isSymbolicLink()) summary.link = readlinkSync(abs);
      if (info.isFile()) summary.sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
      out[path] = summary;
      if (info.isDirectory()) visit(abs, path);
    }
  };
  visit(root, '');
  return out;
}

/** Every path below a folder (to prove nothing appeared outside a root). */
export function listAll(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      out.push(path);
      if (lstatSync(join(dir, name)).isDirectory()) visit(join(dir, name), path);
    }
  };
  visit(root, '');
  return out;
}

/** Extended attributes of every path below root (base64 values), as getfattr reports them. */
export function xattrsOfTree(root: string): Record<string, Record<string, string>> {
  const dump = execFileSync('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', root], { encoding: 'utf8' });
  const out: Record<string, Record<string, string>> = {};
  let file = '';
  for (const line of dump.split('\n')) {
    if (line.startsWith('# file: ')) file = line.slice(8).slice(root.length + 1);
    else if (line.includes('=') && !line.startsWith('security.selinux')) {
      const at = line.indexOf('=');
      (out[file] ??= {})[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}
