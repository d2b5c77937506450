import { execFile } from 'node:child_process';
import { lstat, mkdir, readdir, readlink, rm } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hexOf } from './chain.js';
import { containerDirs, containerOf, type ContainerRecord } from './containers.js';
import { overlayLowerDirs } from './layers.js';
import { mountOverlay, unmount } from './overlay.js';
import { LAYER_TREE, tempName } from './paths.js';
import type { Store } from './store.js';
import { isOverlayWhiteout, OPAQUE_XATTR } from './whiteouts.js';

const run = promisify(execFile);

export type ChangeKind = 'A' | 'C' | 'D';

export interface Change {
  /** Relative to the container root, no leading slash. */
  path: string;
  kind: ChangeKind;
  /** A dir whose earlier contents are all hidden (it was removed and made again). */
  opaque?: boolean;
  /** A deletion already covered by an opaque parent (listed, but no whiteout needed). */
  coveredByOpaque?: boolean;
}

export interface ContainerChanges {
  changes: Change[];
  /** Where the changed files' bytes and metadata are read from. */
  source: string;
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  return lstat(path).catch(() => undefined);
}

/** Did a path's own metadata (not its children) change? */
async function differs(a: Stats, aPath: string, b: Stats, bPath: string): Promise<boolean> {
  if ((a.mode & 0o170000) !== (b.mode & 0o170000)) return true;
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) return true;
  if (a.isDirectory()) return false;
  if (a.isSymbolicLink()) return (await readlink(aPath)) !== (await readlink(bPath));
  if (a.isCharacterDevice() || a.isBlockDevice()) return a.rdev !== b.rdev;
  return a.size !== b.size || Math.trunc(a.mtimeMs) !== Math.trunc(b.mtimeMs);
}

/** Base entry that counts as present (overlay whiteouts in a single lower dir do not). */
async function baseEntry(base: string | undefined, rel: string): Promise<Stats | undefined> {
  if (!base) return undefined;
  const info = await lstatOrUndefined(join(base, rel));
  return info && !isOverlayWhiteout(info) ? info : undefined;
}

/** Walk the container tree against the image tree (copy driver). */
async function walkCopy(tree: string, base: string | undefined, rel: string, out: Change[]): Promise<boolean> {
  let changed = false;
  const names = new Set(await readdir(join(tree, rel)));
  for (const name of [...names].sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const info = await lstat(join(tree, p));
    const before = await baseEntry(base, p);
    if (!before) {
      out.push({ path: p, kind: 'A' });
      if (info.isDirectory()) await walkCopy(tree, undefined, p, out);
      changed = true;
      continue;
    }
    const self = await differs(info, join(tree, p), before, join(base as string, p));
    const replaced = info.isDirectory() !== before.isDirectory();
    const at = out.length;
    const inner = info.isDirectory() ? await walkCopy(tree, replaced ? undefined : base, p, out) : false;
    if (self || inner) {
      out.splice(at, 0, { path: p, kind: 'C' });
      changed = true;
    }
  }
  if (base) {
    const baseNames = await readdir(join(base, rel)).catch(() => [] as string[]);
    for (const name of baseNames.sort()) {
      if (names.has(name)) continue;
      const p = rel ? `${rel}/${name}` : name;
      if (!(await baseEntry(base, p))) continue;
      out.push({ path: p, kind: 'D' });
      changed = true;
    }
  }
  return changed;
}

/** Walk an overlay upper dir: whiteouts are deletions, opaque dirs hide what was below. */
async function walkUpper(upper: string, base: string | undefined, opaque: Set<string>, rel: string, out: Change[]): Promise<boolean> {
  let changed = false;
  for (const name of (await readdir(join(upper, rel))).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const info = await lstat(join(upper, p));
    const before = await baseEntry(base, p);
    if (isOverlayWhiteout(info)) {
      if (before) {
        out.push({ path: p, kind: 'D' });
        changed = true;
      }
      continue;
    }
    if (!before) {
      out.push({ path: p, kind: 'A' });
      if (info.isDirectory()) await walkUpper(upper, undefined, opaque, p, out);
      changed = true;
      continue;
    }
    const isOpaque = info.isDirectory() && before.isDirectory() && opaque.has(p);
    const self = isOpaque || (await differs(info, join(upper, p), before, join(base as string, p)));
    const replaced = info.isDirectory() !== before.isDirectory();
    const at = out.length;
    const inner = info.isDirectory() ? await walkUpper(upper, replaced || isOpaque ? undefined : base, opaque, p, out) : false;
    if (isOpaque) {
      const kept = new Set(await readdir(join(upper, p)));
      for (const child of (await readdir(join(base as string, p))).sort()) {
        if (!kept.has(child) && (await baseEntry(base, `${p}/${child}`))) out.push({ path: `${p}/${child}`, kind: 'D', coveredByOpaque: true });
      }
    }
    if (self || inner) {
      out.splice(at, 0, isOpaque ? { path: p, kind: 'C', opaque: true } : { path: p, kind: 'C' });
      changed = true;
    }
  }
  return changed;
}

export interface UpperXattrs {
  /** Dirs (relative) that carry the overlay opaque xattr. */
  opaque: Set<string>;
  /** Other extended attributes, by absolute path, without overlayfs' own trusted.overlay.*. */
  xattrs: Map<string, Map<string, Buffer>>;
}

/** Every extended attribute of an upper dir, read with one getfattr run. */
export async function upperXattrs(upper: string): Promise<UpperXattrs> {
  const { stdout } = await run('getfattr', ['-R', '-h', '--absolute-names', '-d', '-m', '-', '-e', 'base64', upper], {
    maxBuffer: 256 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const result: UpperXattrs = { opaque: new Set(), xattrs: new Map() };
  let file: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      file = line.slice('# file: '.length);
      continue;
    }
    const eq = line.indexOf('=');
    if (!file || eq <= 0) continue;
    const name = line.slice(0, eq);
    const raw = line.slice(eq + 1);
    const value = raw.startsWith('0s') ? Buffer.from(raw.slice(2), 'base64') : Buffer.from(raw.replace(/^"|"$/g, ''), 'utf8');
    if (name === OPAQUE_XATTR) {
      if (value.toString() === 'y' && file.length > upper.length) result.opaque.add(file.slice(upper.length + 1));
      continue;
    }
    if (name.startsWith('trusted.overlay.')) continue;
    let forFile = result.xattrs.get(file);
    if (!forFile) result.xattrs.set(file, (forFile = new Map()));
    forFile.set(name, value);
  }
  return result;
}

/**
 * The image tree below a container: for overlay, a read-only overlay of the
 * lower dirs (one dir needs no mount); for the copy driver, the top layer's tree.
 */
async function withBaseTree<T>(store: Store, c: ContainerRecord, work: (base: string | undefined) => Promise<T>): Promise<T> {
  const top = c.layers[c.layers.length - 1];
  if (!top) return work(undefined);
  if (c.driver === 'vfs' || c.layers.length === 1) return work(join(store.paths.layer(c.driver, hexOf(top)), LAYER_TREE));
  const target = join(store.paths.tmp, tempName('base'));
  await mkdir(target, { recursive: true });
  try {
    const lower = await overlayLowerDirs(store, [...c.layers].reverse());
    await mountOverlay({ lower, layersDir: store.paths.layersDir('overlay'), target, readOnly: true });
    try {
      return await work(target);
    } finally {
      await unmount(target, true);
    }
  } finally {
    await rm(target, { recursive: true, force: true }).catch(() => {});
  }
}

/** What a container changed compared with its image, like `podman diff`. */
export async function containerChanges(store: Store, container: string | ContainerRecord): Promise<ContainerChanges> {
  const c = await containerOf(store, container);
  const dir = store.paths.container(c.id);
  const changes: Change[] = [];
  if (c.driver === 'overlay') {
    const upper = join(dir, containerDirs.upper);
    const { opaque } = await upperXattrs(upper);
    await withBaseTree(store, c, (base) => walkUpper(upper, base, opaque, '', changes));
    return { changes, source: upper };
  }
  const rootfs = join(dir, containerDirs.rootfs);
  await withBaseTree(store, c, (base) => walkCopy(rootfs, base, '', changes));
  return { changes, source: rootfs };
}
