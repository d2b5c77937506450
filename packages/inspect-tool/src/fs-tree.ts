import type { EntryType } from '@ocikit/oci-image';

/**
 * The merged filesystem of an image as a tree of metadata (no file content),
 * built layer by layer with the image-spec changeset rules: whiteouts and
 * opaque markers hide what lower layers put there, entries replace what they
 * overwrite. Every replaced or hidden regular file is accounted for, so the
 * bytes a layer wastes are exact.
 */
/** The entry types of a layer tar, as oci-image reads them. */
export type NodeType = EntryType;

export interface FsNode {
  name: string;
  type: NodeType;
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (regular files only; 0 otherwise). */
  size: number;
  mtime: number;
  linkname?: string;
  /** Index of the layer this version comes from. */
  layer: number;
  /** Made up because a child needed it (no entry for it in any layer). */
  implicit?: boolean;
  /** sha256 of the content, when the caller asked for hashes. */
  digest?: string;
  /** The content, for the few paths a caller asked to capture. */
  content?: Buffer;
  children?: Map<string, FsNode>;
}

export function newRoot(): FsNode {
  return { name: '', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, layer: -1, implicit: true, children: new Map() };
}

/**
 * A tar name as a clean relative path: no leading ./ or /, no trailing /, and
 * `..` clamped at the root (as a secure join would), so nothing escapes it.
 */
export function cleanPath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

export function getNode(root: FsNode, path: string): FsNode | undefined {
  let node: FsNode | undefined = root;
  for (const part of splitPath(path)) {
    node = node.children?.get(part);
    if (!node) return undefined;
  }
  return node;
}

/** Depth-first walk in name order; yields paths without a leading slash (the root is ''). */
export function* walk(node: FsNode, path = ''): Generator<[string, FsNode]> {
  yield [path, node];
  if (!node.children) return;
  const names = [...node.children.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) yield* walk(node.children.get(name) as FsNode, path ? `${path}/${name}` : name);
}

/** Resolve symlinks in a path inside the tree (absolute targets are relative to the image root). */
export function resolvePath(root: FsNode, path: string, followLast = true): { path: string; node: FsNode } | undefined {
  let pending = splitPath(cleanPath(path));
  const done: string[] = [];
  let hops = 0;
  while (pending.length) {
    const [part, ...rest] = pending as [string, ...string[]];
    const parent = getNode(root, done.join('/'));
    const node = parent?.children?.get(part);
    if (!node) return undefined;
    if (node.type === 'symlink' && (rest.length > 0 || followLast)) {
      if (++hops > 40) return undefined;
      const target = node.linkname ?? '';
      const base = target.startsWith('/') ? [] : done;
      pending = [...splitPath(cleanPath([...base, target].join('/'))), ...rest];
      done.length = 0;
      continue;
    }
    done.push(part);
    pending = rest;
  }
  const finalPath = done.join('/');
  const node = getNode(root, finalPath);
  return node ? { path: finalPath, node } : undefined;
}

/** Sum of regular-file bytes in a subtree. */
export function treeBytes(node: FsNode): number {
  let total = node.type === 'file' ? node.size : 0;
  if (node.children) for (const child of node.children.values()) total += treeBytes(child);
  return total;
}

export function countNodes(node: FsNode): number {
  let total = 1;
  if (node.children) for (const child of node.children.values()) total += countNodes(child);
  return total;
}
