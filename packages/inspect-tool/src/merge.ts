import { createHash } from 'node:crypto';
import { OPAQUE_WHITEOUT, readLayerEntries, WHITEOUT_PREFIX, type Layer, type LayerEntry } from '@ocikit/oci-image';
import { cleanPath, getNode, newRoot, splitPath, treeBytes, walk, type FsNode, type NodeType } from './fs-tree.js';

/** What one layer did to the filesystem below it. */
export interface LayerChanges {
  index: number;
  /** Paths (no leading slash) this layer added, changed or removed. */
  added: string[];
  changed: string[];
  removed: string[];
  /** Regular-file bytes this layer's entries carry. */
  bytes: number;
  /** Number of regular files, links and other non-directories the layer carries. */
  entries: number;
}

/** A regular file version that did not survive into the final filesystem. */
export interface WastedFile {
  path: string;
  size: number;
  /** The layer the lost version came from, and the one that replaced or removed it. */
  fromLayer: number;
  byLayer: number;
  how: 'overwritten' | 'removed';
}

export interface MergeOptions {
  signal?: AbortSignal;
  /** Compute a sha256 per regular file (for diff). */
  hash?: boolean;
  /** Paths (no leading slash) whose content to keep in memory (small files: package databases). */
  capture?: (path: string) => boolean;
  /** Called after each layer, e.g. for progress. */
  onLayer?: (changes: LayerChanges) => void;
}

export interface MergedFs {
  root: FsNode;
  layers: LayerChanges[];
  wasted: WastedFile[];
}

const CAPTURE_LIMIT = 64 * 1024 * 1024;

interface PendingEntry {
  path: string;
  node: FsNode;
}

class Merger {
  readonly root = newRoot();
  readonly layers: LayerChanges[] = [];
  readonly wasted: WastedFile[] = [];

  /** Record every regular file of a subtree that is going away. */
  private lose(node: FsNode, path: string, byLayer: number, how: WastedFile['how']): void {
    for (const [sub, n] of walk(node, path)) {
      if (n.type === 'file' && n.size > 0) this.wasted.push({ path: sub, size: n.size, fromLayer: n.layer, byLayer, how });
    }
  }

  private parentOf(path: string, layer: number, changes: LayerChanges): FsNode {
    let node = this.root;
    let at = '';
    for (const part of splitPath(path).slice(0, -1)) {
      at = at ? `${at}/${part}` : part;
      let child = node.children?.get(part);
      if (!child || child.type !== 'dir') {
        if (child) {
          this.lose(child, at, layer, 'overwritten');
          changes.changed.push(at);
        } else {
          changes.added.push(at);
        }
        child = { name: part, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, layer, implicit: true, children: new Map() };
        node.children?.set(part, child);
      }
      node = child;
    }
    return node;
  }

  private whiteout(path: string, layer: number, changes: LayerChanges): void {
    const parts = splitPath(path);
    const name = parts.pop() as string;
    const parent = getNode(this.root, parts.join('/'));
    if (!parent?.children) return;
    if (name === OPAQUE_WHITEOUT) {
      for (const [childName, child] of parent.children) {
        const childPath = parts.length ? `${parts.join('/')}/${childName}` : childName;
        this.lose(child, childPath, layer, 'removed');
        for (const [sub] of walk(child, childPath)) changes.removed.push(sub);
      }
      parent.children.clear();
      return;
    }
    if (!name.startsWith(WHITEOUT_PREFIX) || name.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return;
    const target = name.slice(WHITEOUT_PREFIX.length);
    const victim = parent.children.get(target);
    if (!victim) return;
    const victimPath = parts.length ? `${parts.join('/')}/${target}` : target;
    this.lose(victim, victimPath, layer, 'removed');
    for (const [sub] of walk(victim, victimPath)) changes.removed.push(sub);
    parent.children.delete(target);
  }

  private add({ path, node }: PendingEntry, changes: LayerChanges): void {
    if (path === '') {
      Object.assign(this.root, { mode: node.mode, uid: node.uid, gid: node.gid, mtime: node.mtime, layer: node.layer, implicit: false });
      return;
    }
    const parent = this.parentOf(path, node.layer, changes);
    const existing = parent.children?.get(node.name);
    if (existing && existing.type === 'dir' && node.type === 'dir') {
      // A directory entry over a directory changes its metadata and keeps its children.
      Object.assign(existing, { mode: node.mode, uid: node.uid, gid: node.gid, mtime: node.mtime, layer: node.layer, implicit: false });
      return;
    }
    if (existing) {
      this.lose(existing, path, node.layer, 'overwritten');
      changes.changed.push(path);
      if (existing.children) for (const [sub] of walk(existing, path)) if (sub !== path) changes.removed.push(sub);
    } else {
      changes.added.push(path);
    }
    parent.children?.set(node.name, node);
  }

  /** Read one layer's entries (metadata, plus hashes or captured content on request), then apply them. */
  async apply(layer: Layer, index: number, options: MergeOptions): Promise<LayerChanges> {
    const changes: LayerChanges = { index, added: [], changed: [], removed: [], bytes: 0, entries: 0 };
    const whiteouts: string[] = [];
    const pending: PendingEntry[] = [];
    for await (const entry of readLayerEntries(await layer.uncompressed(options.signal), { signal: options.signal })) {
      // Clamp `..` at the root, as a secure join does when unpacking.
      const path = cleanPath(entry.path);
      const base = path.slice(path.lastIndexOf('/') + 1);
      if (base.startsWith(WHITEOUT_PREFIX)) {
        whiteouts.push(path);
        if (base === OPAQUE_WHITEOUT) pending.push({ path: path.slice(0, Math.max(0, path.lastIndexOf('/'))), node: impliedDir(path, index) });
        continue;
      }
      const type: NodeType = entry.type;
      const node = await nodeOf(entry, type, base, index, path, options);
      if (type === 'file') changes.bytes += node.size;
      if (type !== 'dir') changes.entries++;
      pending.push({ path, node });
    }
    // Whiteouts hide only what lower layers put there, whatever their order in the tar.
    for (const path of whiteouts) this.whiteout(path, index, changes);
    for (const entry of pending) {
      if (entry.node.implicit) this.ensureDir(entry.path, index, changes);
      else this.add(entry, changes);
    }
    this.layers.push(changes);
    return changes;
  }

  private ensureDir(path: string, index: number, changes: LayerChanges): void {
    if (path === '' || getNode(this.root, path)?.type === 'dir') return;
    this.add({ path, node: impliedDir(path, index) }, changes);
  }
}

function impliedDir(markerPath: string, layer: number): FsNode {
  const dir = markerPath.slice(0, Math.max(0, markerPath.lastIndexOf('/')));
  const name = dir.slice(dir.lastIndexOf('/') + 1);
  return { name, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, layer, implicit: true, children: new Map() };
}

async function nodeOf(entry: LayerEntry, type: NodeType, name: string, layer: number, path: string, options: MergeOptions): Promise<FsNode> {
  // Symlinks have no mode of their own on Linux: they read as 0777.
  const node: FsNode = { name, type, mode: type === 'symlink' ? 0o777 : entry.mode & 0o7777, uid: entry.uid, gid: entry.gid, size: type === 'file' ? entry.size : 0, mtime: Math.floor(entry.mtime.getTime() / 1000), layer };
  if (type === 'symlink') node.linkname = entry.linkname ?? '';
  if (type === 'hardlink') node.linkname = cleanPath(entry.linkname ?? '');
  if (type === 'dir') node.children = new Map();
  if (type !== 'file') return node;
  const capture = options.capture?.(path) && entry.size <= CAPTURE_LIMIT;
  if (!options.hash && !capture) return node;
  const hasher = options.hash ? createHash('sha256') : undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of entry.body()) {
    hasher?.update(chunk as Buffer);
    if (capture) chunks.push(chunk as Buffer);
  }
  if (hasher) node.digest = `sha256:${hasher.digest('hex')}`;
  if (capture) node.content = Buffer.concat(chunks);
  return node;
}

/** Build the merged filesystem of a stack of layers, reading each layer once, in order. */
export async function mergeLayers(layers: readonly Layer[], options: MergeOptions = {}): Promise<MergedFs> {
  const merger = new Merger();
  for (const [index, layer] of layers.entries()) {
    const changes = await merger.apply(layer, index, options);
    options.onLayer?.(changes);
  }
  return { root: merger.root, layers: merger.layers, wasted: merger.wasted };
}

/** Regular-file bytes visible in the merged filesystem. */
export function visibleBytes(fs: MergedFs): number {
  return treeBytes(fs.root);
}
