import { lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { RuntimeSpec } from '@ocikit/oci-image';
import { writeStateFile } from '../state-file.js';
import { resolveInRootfs } from '@ocikit/oci-image/conversion';
import { readHardLimits } from '../context.js';
import { UnsafeRootfsError } from '../errors.js';
import { clampRlimit, defaultMounts } from './spec.js';

export interface Bundle {
  /** The bundle directory: config.json lives here. */
  dir: string;
  rootfs: string;
  spec: RuntimeSpec;
}

export interface CreateBundleOptions {
  /** The root filesystem; it stays where it is and the spec points at it. */
  rootfs: string;
  spec: RuntimeSpec;
  /**
   * The runtime mounts this overlay as the container's `/` (rootfs is then an
   * empty dir): only the default mount points may be used, their paths having
   * been checked in the layers (runtime/layered-rootfs.ts).
   */
  rootOverlay?: { options: string[] };
}

/**
 * Write a runtime bundle (config.json beside a rootfs) after making the
 * rootfs safe to mount on: runc and crun follow a symlinked /dev or /proc
 * out to the host when they create device nodes and links, so every mount
 * destination is resolved inside the rootfs first, must not pass through a
 * symlink where the runtime would, and is created as a plain directory (or
 * file, for a file bind mount) when missing. Rlimits are clamped to the
 * caller's hard limits.
 */
export async function createBundle(dir: string, options: CreateBundleOptions): Promise<Bundle> {
  const rootfs = options.rootfs;
  const spec: RuntimeSpec = structuredClone(options.spec);
  spec.root = { ...(spec.root ?? {}), path: rootfs };
  // Mount points are made side by side (each check walks its own path; a parent two of them share is
  // made by whichever comes first, mkdirInRoot takes EEXIST). All settle before an error is thrown,
  // so nothing is still being made when the caller cleans up.
  const mounts = spec.mounts ?? [];
  if (options.rootOverlay) {
    const checked = new Set(defaultMounts().map((m) => m.destination));
    const other = mounts.find((m) => !checked.has(posix.normalize(m.destination)));
    if (other) throw new UnsafeRootfsError(other.destination, 'needs a rootfs mounted on the host to be checked');
    spec.mounts = [{ destination: '/', type: 'overlay', source: 'overlay', options: options.rootOverlay.options }, ...mounts];
  } else {
    const prepared = await Promise.allSettled(mounts.map(async (mount) => prepareMountpoint(rootfs, mount.destination, await isFileBind(mount))));
    prepared.forEach((result, i) => {
      if (result.status === 'rejected') throw result.reason;
      mounts[i]!.destination = result.value;
    });
    // cwd is not checked: the runtime resolves it inside the container, after pivot_root.
  }
  if (spec.process?.rlimits) {
    // A runtime cannot raise a hard limit above ours (no CAP_SYS_RESOURCE): ask for no more.
    const hard = await readHardLimits();
    spec.process.rlimits = spec.process.rlimits.map((limit) => clampRlimit(limit, hard[limit.type]));
  }
  await mkdir(dir, { recursive: true });
  await writeStateFile(join(dir, 'config.json'), Buffer.from(JSON.stringify(spec, null, 2)));
  return { dir, rootfs, spec };
}

async function isFileBind(mount: { type?: string; options?: string[]; source?: string }): Promise<boolean> {
  const bind = mount.type === 'bind' || (mount.options?.includes('bind') ?? false) || (mount.options?.includes('rbind') ?? false);
  if (!bind || !mount.source) return false;
  return (await stat(mount.source).catch(() => undefined))?.isFile() ?? false;
}

/** Directories the runtimes populate themselves: their paths may hold no symlink at all. */
const RUNTIME_POPULATED = ['/dev', '/proc', '/sys'];

/**
 * Resolve a mount destination inside the rootfs and create it; returns the
 * symlink-free destination the runtime should use.
 */
export async function prepareMountpoint(rootfs: string, destination: string, asFile = false): Promise<string> {
  if (!isAbsolute(destination)) throw new UnsafeRootfsError(destination, 'is not an absolute mount destination');
  const clean = posix.normalize(destination);
  if (RUNTIME_POPULATED.some((p) => clean === p || clean.startsWith(`${p}/`))) {
    await assertPlainDirs(rootfs, clean);
  }
  const resolved = await resolveInRootfs(rootfs, clean);
  const inner = `/${posix.relative(rootfs, resolved)}`.replace(/\/$/, '') || '/';
  await mkdirInRoot(rootfs, asFile ? posix.dirname(inner) : inner);
  if (asFile) {
    const info = await lstat(resolved).catch(() => undefined);
    if (!info) await writeFile(resolved, '', { flag: 'wx' }).catch(() => undefined);
  }
  return inner;
}

/** Fail when any existing component of `path` in the rootfs is a symlink or not a directory. */
async function assertPlainDirs(rootfs: string, path: string): Promise<void> {
  let current = rootfs;
  for (const part of path.split('/').filter(Boolean)) {
    current = join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (!info) return;
    if (info.isSymbolicLink()) throw new UnsafeRootfsError(path, `passes through a symlink (${part})`);
    if (!info.isDirectory()) throw new UnsafeRootfsError(path, `is not a directory (${part})`);
  }
}

/** mkdir -p inside the rootfs, one component at a time, never through a symlink. */
async function mkdirInRoot(rootfs: string, inner: string): Promise<void> {
  let current = rootfs;
  for (const part of inner.split('/').filter(Boolean)) {
    current = join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (info?.isSymbolicLink()) throw new UnsafeRootfsError(inner, `changed under us (${part} is a symlink)`);
    if (info) continue;
    await mkdir(current, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
