// Helpers for the build-tool integration tests: run the built CLI, run
// buildah, unpack an image of an OCI layout and describe its file tree.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyLayer, ociTransport, readImage, type ImageConfig } from '@ocikit/oci-image';

const here = dirname(fileURLToPath(import.meta.url));
export const CLI = join(here, '..', 'bin', 'oci-build.js');

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ocikit-build-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Unmount whatever a test left mounted under its temp dirs (working containers), then remove them. */
export function removeTempDirs(): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => made.some((dir) => point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) spawnSync('umount', [point]);
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Write files of a build context: path -> content. */
export function writeContext(dir: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

export function ociBuild(args: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input: options.input,
    env: { ...process.env, ...(options.env ?? {}) },
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function buildah(root: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync('buildah', ['--root', join(root, 'root'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

export async function openLayoutImage(layout: string, tag: string) {
  const ref = ociTransport.parse(`${layout}:${tag}`, `oci:${layout}:${tag}`);
  return readImage(await ociTransport.openSource(ref));
}

/** Unpack an image of an OCI layout into a fresh folder; returns it and the config. */
export async function unpack(layout: string, tag: string): Promise<{ rootfs: string; config: ImageConfig; layers: number }> {
  const image = await openLayoutImage(layout, tag);
  const rootfs = tempDir('rootfs');
  const layers = await image.layers();
  for (const layer of layers) await applyLayer(rootfs, await layer.uncompressed(), { preserveOwners: true });
  return { rootfs, config: (await image.config()) as ImageConfig, layers: layers.length };
}

/** A file tree as comparable lines: path, type, mode, owner, size, content hash or link target (no times). */
export function describeTree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      const s = lstatSync(abs);
      const owner = `${s.uid}:${s.gid}`;
      if (s.isSymbolicLink()) out.push(`${path} l ${owner} -> ${readlinkSync(abs)}`);
      else if (s.isDirectory()) {
        out.push(`${path}/ d ${(s.mode & 0o7777).toString(8)} ${owner}`);
        walk(path);
      } else if (s.isFile()) {
        const hash = createHash('sha256').update(readFileSync(abs)).digest('hex').slice(0, 16);
        out.push(`${path} f ${(s.mode & 0o7777).toString(8)} ${owner} ${s.size} ${hash}`);
      } else out.push(`${path} ? ${(s.mode & 0o170000).toString(8)} ${owner}`);
    }
  };
  walk('');
  return out;
}

/** The parts of an image config both builders must agree on (buildah's own version label left out). */
export function comparableConfig(config: ImageConfig): Record<string, unknown> {
  const c = config.config ?? {};
  const labels = { ...(c.Labels ?? {}) };
  delete labels['io.buildah.version'];
  const pick = (v: unknown) => (v === null || (Array.isArray(v) && v.length === 0) ? undefined : v);
  return {
    architecture: config.architecture,
    os: config.os,
    Env: c.Env,
    Cmd: pick(c.Cmd),
    Entrypoint: pick(c.Entrypoint),
    WorkingDir: c.WorkingDir || undefined,
    User: c.User || undefined,
    ExposedPorts: c.ExposedPorts,
    Volumes: c.Volumes,
    Labels: Object.keys(labels).length ? labels : undefined,
    StopSignal: c.StopSignal,
    Healthcheck: c.Healthcheck,
    OnBuild: pick(c.OnBuild),
  };
}
