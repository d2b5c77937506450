import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { EntryType } from './tar-format.js';

/** What we know of one path of a folder tree: enough to write it to a tar and to see if it changed. */
export interface TreeNode {
  /** Relative to the tree root, `/`-separated, never empty. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
  nlink: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

function typeOf(info: Stats): EntryType | undefined {
  if (info.isFile()) return 'file';
  if (info.isDirectory()) return 'dir';
  if (info.isSymbolicLink()) return 'symlink';
  if (info.isCharacterDevice()) return 'char';
  if (info.isBlockDevice()) return 'block';
  if (info.isFIFO()) return 'fifo';
  return undefined; // sockets cannot go into a tar
}

/** Linux dev_t encoding (glibc gnu_dev_major/minor). */
function devParts(rdev: number): { devmajor: number; devminor: number } {
  const high = Math.floor(rdev / 2 ** 32);
  const low = rdev >>> 0;
  return {
    devmajor: ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0),
    devminor: (low & 0xff) | ((low >>> 12) & 0xfff00),
  };
}

export function nodeFromStats(path: string, info: Stats, abs: string): TreeNode | undefined {
  const type = typeOf(info);
  if (!type) return undefined;
  const node: TreeNode = {
    path,
    type,
    mode: info.mode & 0o7777,
    uid: info.uid,
    gid: info.gid,
    size: type === 'file' ? info.size : 0,
    mtimeMs: info.mtimeMs,
    ctimeMs: info.ctimeMs,
    ino: info.ino,
    dev: info.dev,
    nlink: info.nlink,
  };
  if (type === 'symlink') node.linkname = readlinkSync(abs);
  if (type === 'char' || type === 'block') Object.assign(node, devParts(info.rdev));
  return node;
}

/** Sort key that puts a directory right before its own children (component-wise order). */
export function treeOrderKey(path: string): string {
  return path.replaceAll('/', '\0');
}

export function compareTreeOrder(a: string, b: string): number {
  const ka = treeOrderKey(a);
  const kb = treeOrderKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Every path under `root` (not the root itself), depth first with names
 * sorted, so the same tree always yields the same order.
 */
export function walkTree(root: string, signal?: AbortSignal): TreeNode[] {
  const out: TreeNode[] = [];
  const visit = (dirAbs: string, dirRel: string): void => {
    signal?.throwIfAborted();
    const names = readdirSync(dirAbs).sort();
    for (const name of names) {
      const abs = join(dirAbs, name);
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      const node = nodeFromStats(rel, lstatSync(abs), abs);
      if (!node) continue;
      out.push(node);
      if (node.type === 'dir') visit(abs, rel);
    }
  };
  visit(root, '');
  return out;
}
