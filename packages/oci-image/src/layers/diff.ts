import { compareTreeOrder, type TreeNode } from './tree.js';

/** One item of a layer to write: a path to add, a whiteout, or an opaque marker for a directory. */
export type Change = { kind: 'add'; node: TreeNode } | { kind: 'whiteout'; path: string } | { kind: 'opaque'; path: string };

export interface DiffOptions {
  /**
   * 'snapshot': `base` was recorded from this same tree earlier (repack), so a
   * new inode or ctime also means a change and a directory with a new inode
   * was replaced. 'trees': `base` is another folder; metadata, size and mtime
   * decide, as Docker's ChangesDirs does.
   */
  mode: 'snapshot' | 'trees';
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function changed(before: TreeNode, now: TreeNode, mode: DiffOptions['mode']): boolean {
  if (before.type !== now.type || before.mode !== now.mode || before.uid !== now.uid || before.gid !== now.gid) return true;
  if (before.linkname !== now.linkname || before.devmajor !== now.devmajor || before.devminor !== now.devminor) return true;
  if (before.size !== now.size || before.mtimeMs !== now.mtimeMs) return true;
  if (mode === 'snapshot' && (before.ctimeMs !== now.ctimeMs || before.ino !== now.ino)) return true;
  return false;
}

/**
 * The changes that turn `base` into `current`, in tree order. Deleted paths
 * become whiteouts (only the topmost of a deleted subtree); a directory that
 * was replaced as a whole becomes an opaque directory with all its content.
 */
export function diffTrees(current: readonly TreeNode[], base: ReadonlyMap<string, TreeNode>, options: DiffOptions): Change[] {
  const now = new Map(current.map((n) => [n.path, n]));
  const baseChildren = new Map<string, string[]>();
  for (const path of base.keys()) {
    const parent = parentOf(path);
    let list = baseChildren.get(parent);
    if (!list) baseChildren.set(parent, (list = []));
    list.push(path);
  }
  const opaque = new Set<string>();
  for (const node of current) {
    const before = base.get(node.path);
    if (node.type !== 'dir' || before?.type !== 'dir') continue;
    const children = baseChildren.get(node.path) ?? [];
    const replaced = options.mode === 'snapshot' ? before.ino !== node.ino : children.length > 0 && children.every((c) => !now.has(c));
    if (replaced) opaque.add(node.path);
  }
  const underOpaque = (path: string): boolean => {
    for (let p = parentOf(path); p !== ''; p = parentOf(p)) if (opaque.has(p)) return true;
    return false;
  };
  const changes: Change[] = [];
  for (const node of current) {
    const before = base.get(node.path);
    if (!before || underOpaque(node.path) || opaque.has(node.path) || changed(before, node, options.mode)) {
      changes.push({ kind: 'add', node });
    }
    if (opaque.has(node.path)) changes.push({ kind: 'opaque', path: node.path });
  }
  for (const path of base.keys()) {
    if (now.has(path)) continue;
    const parent = parentOf(path);
    if (parent !== '') {
      const parentNow = now.get(parent);
      // A deleted, replaced or opaque parent already hides this path.
      if (!parentNow || parentNow.type !== 'dir' || opaque.has(parent) || underOpaque(parent)) continue;
    }
    changes.push({ kind: 'whiteout', path });
  }
  return changes.sort((a, b) => compareTreeOrder(changePath(a), changePath(b)));
}

export function changePath(change: Change): string {
  if (change.kind === 'add') return change.node.path;
  const parent = parentOf(change.path);
  const name = change.kind === 'opaque' ? '.wh..wh..opq' : `.wh.${change.path.slice(parent.length === 0 ? 0 : parent.length + 1)}`;
  return change.kind === 'opaque' ? (change.path === '' ? name : `${change.path}/${name}`) : parent === '' ? name : `${parent}/${name}`;
}

/** Every node as an addition: a layer of the whole tree. */
export function allAdditions(current: readonly TreeNode[]): Change[] {
  return current.map((node) => ({ kind: 'add', node }) as Change);
}
