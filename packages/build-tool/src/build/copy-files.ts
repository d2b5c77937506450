import { spawn } from 'node:child_process';
import {
  chmodSync, closeSync, constants, copyFileSync, fchmodSync, fchownSync, futimesSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync,
  readFileSync, readSync, rmSync, symlinkSync, readlinkSync, writeFileSync, writeSync, type Stats,
} from 'node:fs';
import { createReadStream } from 'node:fs';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer, plainTar, resolveInRootfs } from '@ocikit/oci-image';
import { walkSource, type SourceMatch, type SourceRoot } from './sources.js';

export interface CopyOptions {
  /** Owner of everything written (default 0:0, as Docker does). */
  owner: { uid: number; gid: number };
  chmod?: number;
  /** ADD: local tar archives are extracted rather than copied. */
  extractArchives: boolean;
  signal?: AbortSignal;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** mkdir -p of a container path inside the rootfs, new dirs 0755 root-owned; returns the host path. */
export async function ensureDir(rootfs: string, containerPath: string, owner?: { uid: number; gid: number }): Promise<string> {
  const parts = containerPath.split('/').filter(Boolean);
  let inner = '/';
  let host = rootfs;
  for (const part of parts) {
    inner = posix.join(inner, part);
    host = await resolveInRootfs(rootfs, inner);
    const info = lstatOrUndefined(host);
    if (info?.isDirectory()) continue;
    if (info) rmSync(host, { force: true });
    mkdirSync(host, { mode: 0o755 });
    chmodSync(host, 0o755);
    if (owner) lchownSync(host, owner.uid, owner.gid);
  }
  return host;
}

const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const SMALL_FILE = 1024 * 1024;

/** A regular file through one descriptor: no path walks for owner, mode and times. */
function writeRegularFile(hostPath: string, abs: string, stats: Stats, options: CopyOptions): void {
  const mode = options.chmod ?? stats.mode & 0o7777;
  if (stats.size > SMALL_FILE) {
    copyFileSync(abs, hostPath, constants.COPYFILE_EXCL);
    lchownSync(hostPath, options.owner.uid, options.owner.gid);
    chmodSync(hostPath, mode);
    lutimesSync(hostPath, stats.atime, stats.mtime);
    return;
  }
  const data = readFileSync(abs);
  const fd = openSync(hostPath, NEW_FILE, 0o600);
  try {
    if (data.length) writeSync(fd, data);
    fchownSync(fd, options.owner.uid, options.owner.gid);
    fchmodSync(fd, mode);
    futimesSync(fd, stats.atime, stats.mtime);
  } finally {
    closeSync(fd);
  }
}

/** Write one entry; `fresh` means its parent was made by this copy, so nothing can be in the way. */
function writeEntry(hostPath: string, abs: string, stats: Stats, options: CopyOptions, fresh = false): void {
  const existing = fresh ? undefined : lstatOrUndefined(hostPath);
  if (stats.isDirectory()) {
    if (!existing?.isDirectory()) {
      if (existing) rmSync(hostPath, { force: true });
      mkdirSync(hostPath);
    }
  } else {
    if (existing) rmSync(hostPath, { recursive: existing.isDirectory(), force: true });
    if (stats.isFile()) return writeRegularFile(hostPath, abs, stats, options);
    if (stats.isSymbolicLink()) symlinkSync(readlinkSync(abs), hostPath);
    else return; // sockets, fifos and devices are not copied from a context
  }
  lchownSync(hostPath, options.owner.uid, options.owner.gid);
  if (!stats.isSymbolicLink()) chmodSync(hostPath, options.chmod ?? stats.mode & 0o7777);
  lutimesSync(hostPath, stats.atime, stats.mtime);
}

const ARCHIVE_MAGIC: Array<[string, Buffer]> = [
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['bzip2', Buffer.from('BZh')],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];

/** gzip/bzip2/xz/zstd or plain tar, found from the bytes; undefined for anything else. */
export function archiveKind(abs: string): string | undefined {
  const fd = openSync(abs, 'r');
  const head = Buffer.alloc(512);
  let n = 0;
  try {
    n = readSync(fd, head, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  for (const [kind, magic] of ARCHIVE_MAGIC) if (n >= magic.length && head.subarray(0, magic.length).equals(magic)) return kind;
  if (n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

function decompressWith(tool: string, abs: string): Readable {
  const child = spawn(tool, ['-dc', abs], { stdio: ['ignore', 'pipe', 'inherit'] });
  return child.stdout;
}

async function extractArchive(abs: string, kind: string, hostDir: string, signal?: AbortSignal): Promise<void> {
  const stream = kind === 'bzip2' ? decompressWith('bzip2', abs) : kind === 'xz' ? decompressWith('xz', abs) : await plainTar(createReadStream(abs));
  await applyLayer(hostDir, stream, { preserveOwners: process.getuid?.() === 0, ...(signal ? { signal } : {}) });
}

/**
 * Copy matched sources to `dest` inside the rootfs with Docker's rules: a
 * directory's contents go into dest; several sources, a glob or a trailing
 * slash make dest a directory; otherwise a file source names the file.
 */
export async function copyMatches(root: SourceRoot, matches: readonly SourceMatch[], rootfs: string, dest: string, destIsDir: boolean, options: CopyOptions): Promise<number> {
  let written = 0;
  for (const match of matches) {
    options.signal?.throwIfAborted();
    if (match.stats.isDirectory()) {
      const base = await ensureDir(rootfs, dest, options.owner);
      const hostDirs = new Map<string, string>([[match.rel, base]]);
      // Directories this copy made itself: their children need no check for what is in the way.
      const fresh = new Set<string>();
      for (const item of walkSource(root, match.rel)) {
        const parentRel = posix.dirname(item.rel) === '.' ? '' : posix.dirname(item.rel);
        const parentHost = hostDirs.get(parentRel);
        if (parentHost === undefined) continue;
        const parentFresh = fresh.has(parentRel);
        let hostPath = join(parentHost, posix.basename(item.rel));
        const existing = parentFresh ? undefined : lstatOrUndefined(hostPath);
        if (item.stats.isDirectory() && existing?.isSymbolicLink()) {
          // An existing link to a directory inside the image: follow it within the rootfs.
          hostPath = await resolveInRootfs(rootfs, posix.join(dest, item.rel.slice(match.rel.length)));
        }
        writeEntry(hostPath, item.abs, item.stats, options, parentFresh || existing === undefined);
        if (item.stats.isDirectory()) {
          hostDirs.set(item.rel, hostPath);
          if (parentFresh || existing === undefined) fresh.add(item.rel);
        }
        written++;
      }
      continue;
    }
    const kind = options.extractArchives && match.stats.isFile() ? archiveKind(match.abs) : undefined;
    if (kind) {
      await extractArchive(match.abs, kind, await ensureDir(rootfs, dest, options.owner), options.signal);
      written++;
      continue;
    }
    const existingDir = lstatOrUndefined(await resolveInRootfs(rootfs, dest))?.isDirectory() ?? false;
    const target = destIsDir || existingDir ? posix.join(dest, posix.basename(match.rel || match.abs)) : dest;
    await ensureDir(rootfs, posix.dirname(target), options.owner);
    writeEntry(await resolveInRootfs(rootfs, target), match.abs, match.stats, options);
    written++;
  }
  return written;
}

/** A heredoc COPY: the body becomes a file (0644, or --chmod). */
export async function writeHeredocFile(rootfs: string, dest: string, name: string, body: string, destIsDir: boolean, options: CopyOptions): Promise<void> {
  const target = destIsDir ? posix.join(dest, name) : dest;
  await ensureDir(rootfs, posix.dirname(target), options.owner);
  const host = await resolveInRootfs(rootfs, target);
  if (lstatOrUndefined(host)) rmSync(host, { recursive: true, force: true });
  writeFileSync(host, body);
  lchownSync(host, options.owner.uid, options.owner.gid);
  chmodSync(host, options.chmod ?? 0o644);
}
