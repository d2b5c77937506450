// Test images for every package's tests, built once per test file from
// test-fixtures/build.mjs (an independent writer, not the ocikit library).
//
//   const fx = await buildFixtures();
//   fx.busybox.ref          // 'oci:/tmp/.../busybox:latest'
//   fx.multilayer.layout    // the layout directory
//
// The cached layouts are shared by the tests of one file: treat them as
// read-only and copyLayout() one before writing into it.
import { cpSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface LayerInfo {
  digest: string;
  diffId: string;
  size: number;
}

export interface ImageFixture {
  layout: string;
  tag: string;
  ref: string;
  manifestDigest: string;
  configDigest: string;
  layers: LayerInfo[];
  platform: Platform;
}

export interface MultiArchFixture {
  layout: string;
  tag: string;
  ref: string;
  indexDigest: string;
  sharedLayerDigest: string;
  images: { platform: Platform; manifestDigest: string; configDigest: string; layers: string[] }[];
}

export interface ArtifactFixture {
  layout: string;
  tag: string;
  ref: string;
  manifestDigest: string;
  artifactType: string;
  blobDigest: string;
  subject: { tag: string; ref: string; manifestDigest: string; size: number };
}

/** Other manifest forms: an OCI layout and two skopeo dir: images. */
export interface FormatsFixture {
  /** The OCI layout holding the `uncompressed` and `nested` tags. */
  layout: string;
  uncompressed: { ref: string; manifestDigest: string; layerDigest: string; diffId: string };
  nested: { ref: string; outerDigest: string; innerDigest: string; imageDigest: string };
  dockerV2s2: { dir: string; ref: string; manifestDigest: string; configDigest: string; layerDigest: string; diffId: string; platform: Platform };
  dockerList: { dir: string; ref: string; digest: string; manifests: { digest: string; platform: Platform }[] };
}

export interface Fixtures {
  root: string;
  busybox: ImageFixture;
  multilayer: ImageFixture;
  multiarch: MultiArchFixture;
  artifact: ArtifactFixture;
  formats: FormatsFixture;
}

export type FixtureName = 'busybox' | 'multilayer' | 'multiarch' | 'artifact' | 'formats';

/** One entry of a file tree, as expectedMultiLayerTree() and readTree() give it. */
export interface TreeEntry {
  path: string;
  type: 'dir' | 'file' | 'symlink';
  mode?: number;
  uid: number;
  gid: number;
  content?: string;
  target?: string;
  hardLinkGroup?: string;
}

interface BuilderModule {
  buildFixtures(root: string, names?: FixtureName[]): Promise<Fixtures>;
  expectedMultiLayerTree(): TreeEntry[];
  FIXTURE_NAMES: FixtureName[];
  LONG_PATH: string;
  LONG_NAME: string;
  ARTIFACT_CONTENT: string;
  ARTIFACT_TYPE: string;
  BUSYBOX_APPLETS: string[];
  MULTIARCH_PLATFORMS: Platform[];
  DOCKER_MEDIA_TYPES: Record<'manifest' | 'list' | 'config' | 'layerGzip', string>;
  FIXED_MTIME: Date;
  gzipDeterministic(data: Buffer): Buffer;
  tarArchive(specs: unknown[]): Promise<Buffer>;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES_SCRIPT = path.join(REPO_ROOT, 'test-fixtures', 'build.mjs');

let builderModule: Promise<BuilderModule> | undefined;

/** The fixture builder module itself (constants, tar and gzip helpers). */
export function fixtureBuilder(): Promise<BuilderModule> {
  builderModule ??= import(pathToFileURL(FIXTURES_SCRIPT).href) as Promise<BuilderModule>;
  return builderModule;
}

const builds = new Map<string, Promise<Fixtures>>();
let processRoot: string | undefined;
const createdDirs: string[] = [];

/**
 * Builds all fixtures once per test file (or once per explicit root) and
 * returns their layouts, refs and digests.
 */
export function buildFixtures(root?: string): Promise<Fixtures> {
  const target = root ? path.resolve(root) : defaultRoot();
  let build = builds.get(target);
  if (!build) {
    build = fixtureBuilder().then((builder) => builder.buildFixtures(target));
    builds.set(target, build);
  }
  return build;
}

const PREFIX = 'ocikit-fixtures-';

function defaultRoot(): string {
  if (!processRoot) {
    sweepStaleRoots();
    processRoot = mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
    createdDirs.push(processRoot);
  }
  return processRoot;
}

/**
 * Removes the fixture folders of test processes that died before cleaning up
 * (and, by age, those of older versions of this file, named without a pid).
 */
function sweepStaleRoots(): void {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const full = path.join(os.tmpdir(), name);
    const pidText = name.slice(PREFIX.length).split('-')[0] ?? '';
    const stale = /^\d+$/.test(pidText) && name.slice(PREFIX.length).includes('-')
      ? !isAlive(Number(pidText))
      : Date.now() - statMtime(full) > 60 * 60 * 1000;
    if (stale) rmSync(full, { recursive: true, force: true });
  }
}

function statMtime(file: string): number {
  try {
    return lstatSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeCreatedDirs(): void {
  for (const dir of createdDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const [root] of builds) if (root === processRoot) builds.delete(root);
  processRoot = undefined;
}

// Imported while vitest collects a test file, this hook belongs to that file:
// its fixtures go when its tests are done. (vitest may stop a worker without
// an 'exit' event, so that alone would leave folders behind.)
afterAll(removeCreatedDirs);
process.once('exit', removeCreatedDirs);

/** Copies a fixture layout into a fresh temp dir (or dest) for a test that writes. */
export async function copyLayout(layout: string, dest?: string): Promise<string> {
  let target = dest;
  if (!target) {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'ocikit-layout-'));
    createdDirs.push(parent);
    target = path.join(parent, path.basename(layout));
  }
  cpSync(layout, target, { recursive: true });
  return target;
}

/** The merged file tree of the multilayer fixture, written out by hand. */
export async function expectedMultiLayerTree(): Promise<TreeEntry[]> {
  return (await fixtureBuilder()).expectedMultiLayerTree();
}

/**
 * Reads a directory into the TreeEntry form (sorted, no leading slash), so a
 * test can compare an unpacked rootfs with expectedMultiLayerTree().
 * Symlinks carry no mode (Linux ignores it); files sharing an inode get the
 * first such path as hardLinkGroup.
 */
export function readTree(root: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const inodes = new Map<string, string[]>();
  const walk = (relative: string): void => {
    const names = readdirSync(path.join(root, relative)).sort();
    for (const name of names) {
      const rel = relative ? `${relative}/${name}` : name;
      const full = path.join(root, rel);
      const stat = lstatSync(full);
      const base = { path: rel, uid: stat.uid, gid: stat.gid };
      if (stat.isSymbolicLink()) {
        entries.push({ ...base, type: 'symlink', target: readlinkSync(full) });
      } else if (stat.isDirectory()) {
        entries.push({ ...base, type: 'dir', mode: stat.mode & 0o7777 });
        walk(rel);
      } else if (stat.isFile()) {
        const entry: TreeEntry = { ...base, type: 'file', mode: stat.mode & 0o7777, content: readFileSync(full, 'utf8') };
        entries.push(entry);
        if (stat.nlink > 1) {
          const key = `${stat.dev}:${stat.ino}`;
          inodes.set(key, [...(inodes.get(key) ?? []), rel]);
        }
      } else {
        throw new Error(`readTree: ${rel} is neither a file, a directory nor a symlink`);
      }
    }
  };
  walk('');
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const paths of inodes.values()) {
    if (paths.length < 2) continue;
    const group = [...paths].sort()[0];
    for (const entry of entries) if (paths.includes(entry.path)) entry.hardLinkGroup = group;
  }
  return entries;
}
