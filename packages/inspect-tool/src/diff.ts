import type { Image, ImageConfig } from '@ocikit/oci-image';
import { walk, getNode, type FsNode } from './fs-tree.js';
import { mergeLayers, type MergedFs } from './merge.js';
import { diffPackages, PACKAGE_DATABASES, PARSERS, type PackageDiff, type PackageManager } from './packages.js';

export const DIFF_TYPES = ['file', 'config', 'apt', 'apk', 'npm'] as const;
export type DiffType = (typeof DIFF_TYPES)[number];

export interface FileChange {
  /** Absolute path inside the image. */
  path: string;
  type: FsNode['type'];
  /** Size in the first image (0 when added) and the second (0 when removed). */
  sizeBefore: number;
  sizeAfter: number;
  delta: number;
  /** For modified files: what differs (content, type, mode, owner, link). */
  what?: string[];
}

export interface ConfigChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface ImageDiff {
  files?: { added: FileChange[]; removed: FileChange[]; modified: FileChange[]; delta: number };
  config?: ConfigChange[];
  packages?: PackageDiff[];
}

/** Config fields people compare, as paths into the image config. */
const CONFIG_FIELDS: ReadonlyArray<[string, (c: ImageConfig) => unknown]> = [
  ['Env', (c) => c.config?.Env],
  ['Entrypoint', (c) => c.config?.Entrypoint],
  ['Cmd', (c) => c.config?.Cmd],
  ['WorkingDir', (c) => c.config?.WorkingDir],
  ['User', (c) => c.config?.User],
  ['ExposedPorts', (c) => Object.keys(c.config?.ExposedPorts ?? {}).sort()],
  ['Volumes', (c) => Object.keys(c.config?.Volumes ?? {}).sort()],
  ['Labels', (c) => c.config?.Labels],
  ['StopSignal', (c) => c.config?.StopSignal],
  ['Architecture', (c) => c.architecture],
  ['Os', (c) => c.os],
  ['Variant', (c) => c.variant],
];

function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'null' : JSON.stringify(value);
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return keys.length === 0 ? 'null' : JSON.stringify(keys.map((k) => [k, (value as Record<string, unknown>)[k]]));
  }
  return JSON.stringify(value);
}

export function diffConfigs(a: ImageConfig, b: ImageConfig): ConfigChange[] {
  const out: ConfigChange[] = [];
  for (const [field, get] of CONFIG_FIELDS) {
    const before = get(a);
    const after = get(b);
    if (canonical(before) !== canonical(after)) out.push({ field, before: before ?? null, after: after ?? null });
  }
  return out;
}

function sizeOf(root: FsNode, node: FsNode): number {
  return node.type === 'hardlink' ? (getNode(root, node.linkname ?? '')?.size ?? 0) : node.size;
}

function differences(root1: FsNode, a: FsNode, root2: FsNode, b: FsNode): string[] {
  const what: string[] = [];
  if (a.type !== b.type) what.push('type');
  else if (a.type === 'file' && (a.digest !== b.digest || a.size !== b.size)) what.push('content');
  else if (a.type === 'hardlink' && getNode(root1, a.linkname ?? '')?.digest !== getNode(root2, b.linkname ?? '')?.digest) what.push('content');
  if (a.type === b.type && (a.type === 'symlink' || a.type === 'hardlink') && a.linkname !== b.linkname) what.push('link');
  if (a.mode !== b.mode) what.push('mode');
  if (a.uid !== b.uid || a.gid !== b.gid) what.push('owner');
  return what;
}

/** Added, removed and modified paths between two merged filesystems (mtimes are ignored). */
export function diffTrees(first: MergedFs, second: MergedFs): NonNullable<ImageDiff['files']> {
  const a = new Map(walk(first.root));
  const b = new Map(walk(second.root));
  a.delete('');
  b.delete('');
  const change = (path: string, node: FsNode, before: number, after: number): FileChange => ({ path: `/${path}`, type: node.type, sizeBefore: before, sizeAfter: after, delta: after - before });
  const added: FileChange[] = [];
  const removed: FileChange[] = [];
  const modified: FileChange[] = [];
  for (const [path, node] of b) {
    const old = a.get(path);
    if (!old) {
      added.push(change(path, node, 0, sizeOf(second.root, node)));
      continue;
    }
    const what = differences(first.root, old, second.root, node);
    if (what.length) modified.push({ ...change(path, node, sizeOf(first.root, old), sizeOf(second.root, node)), what });
  }
  for (const [path, node] of a) if (!b.has(path)) removed.push(change(path, node, sizeOf(first.root, node), 0));
  const delta = [...added, ...removed, ...modified].reduce((sum, c) => sum + c.delta, 0);
  return { added, removed, modified, delta };
}

function installed(fs: MergedFs, manager: PackageManager, workingDir: string) {
  const out = [];
  for (const path of PACKAGE_DATABASES[manager](workingDir)) {
    const content = getNode(fs.root, path)?.content;
    if (content) out.push(...PARSERS[manager](content.toString('utf8')));
  }
  return out;
}

export interface DiffOptions {
  types?: readonly DiffType[];
  signal?: AbortSignal;
}

/** Compare two images: files (with content hashes), config fields, and installed packages. */
export async function diffImages(first: Image, second: Image, options: DiffOptions = {}): Promise<ImageDiff> {
  const types = new Set(options.types?.length ? options.types : DIFF_TYPES);
  const [config1, config2] = await Promise.all([first.config(), second.config()]);
  const result: ImageDiff = {};
  if (types.has('config')) result.config = diffConfigs(config1, config2);
  const managers = (['apt', 'apk', 'npm'] as const).filter((m) => types.has(m));
  if (!types.has('file') && managers.length === 0) return result;
  const captureFor = (config: ImageConfig) => {
    const wanted = new Set(managers.flatMap((m) => PACKAGE_DATABASES[m](config.config?.WorkingDir ?? '')));
    return (path: string) => wanted.has(path);
  };
  const hash = types.has('file');
  const fs1 = await mergeLayers(await first.layers(), { signal: options.signal, hash, capture: captureFor(config1) });
  const fs2 = await mergeLayers(await second.layers(), { signal: options.signal, hash, capture: captureFor(config2) });
  if (hash) result.files = diffTrees(fs1, fs2);
  if (managers.length) {
    result.packages = managers.map((m) =>
      diffPackages(m, installed(fs1, m, config1.config?.WorkingDir ?? ''), installed(fs2, m, config2.config?.WorkingDir ?? '')),
    );
  }
  return result;
}
