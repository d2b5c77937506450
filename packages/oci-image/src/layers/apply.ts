import { execFileSync } from 'node:child_process';
import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync,
  readdirSync, rmSync, symlinkSync, chmodSync, writeSync, type Stats,
} from 'node:fs';
import type { Readable } from 'node:stream';
import { AbortedError, OciError, UnsafePathError } from '../errors.js';
import type { Logger } from '../transport.js';
import { cleanEntryPath, lstatOrUndefined, SafeRoot } from './safe-path.js';
import { readLayerEntries, type LayerEntry } from './tar-reader.js';
import { parseWhiteout, type Whiteout } from './whiteout.js';
import { HOST_SPECIFIC_XATTRS, setXattr } from './xattrs.js';

export interface ApplyOptions {
  signal?: AbortSignal;
  logger?: Logger;
  /** chown entries to their uid/gid and create device nodes; the caller passes true when running as root. */
  preserveOwners?: boolean;
  /** Set SCHILY.xattr values (default true); a failure is logged, not fatal. */
  xattrs?: boolean;
  /** Refuse layers with more entries than this (a tar bomb guard; default unlimited). */
  maxEntries?: number;
  /**
   * Told of every whiteout entry, whether or not it had something to hide
   * (an overlay lower dir keeps them as overlayfs whiteouts), so no second
   * read of the tar is needed to find them.
   */
  onWhiteout?: (whiteout: Whiteout) => void;
}

export interface ApplyStats {
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  devices: number;
  whiteouts: number;
  opaques: number;
  bytes: number;
}

const SMALL_BODY = 256 * 1024;
const OPEN_NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;


/**
 * Apply one layer (an uncompressed tar) on top of `root`. Every path is
 * resolved inside the root (see SafeRoot), so nothing is ever written,
 * linked or removed outside it. File system calls are synchronous on purpose:
 * one thread hop per call costs more than the call for small files, and
 * decompression keeps running on the thread pool meanwhile.
 */
export async function applyLayer(root: string, tar: Readable, options: ApplyOptions = {}): Promise<ApplyStats> {
  const applier = new LayerApplier(new SafeRoot(root), options);
  for await (const entry of readLayerEntries(tar, options.signal ? { signal: options.signal } : {})) {
    try {
      await applier.apply(entry);
    } catch (error) {
      if (error instanceof OciError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new OciError('ERR_OCI_LAYER_APPLY', `cannot apply ${JSON.stringify(entry.path.slice(0, 200))}: ${code}`, { cause: error });
    }
  }
  applier.finish();
  return applier.stats;
}

class LayerApplier {
  readonly stats: ApplyStats = { entries: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, devices: 0, whiteouts: 0, opaques: 0, bytes: 0 };
  /** Resolved paths this layer wrote: an opaque directory keeps them. */
  private readonly written = new Set<string>();
  /** Directory mtimes, and for rootless unpacks their real modes, applied last. */
  private readonly dirsLast: Array<[string, Date, number | undefined]> = [];
  /** A directory or symlink was removed: a parent of a directory set aside for finish() may be a symlink now. */
  private reshaped = false;

  constructor(private readonly root: SafeRoot, private readonly options: ApplyOptions) {}

  async apply(entry: LayerEntry): Promise<void> {
    const { signal, maxEntries } = this.options;
    if (signal?.aborted) throw new AbortedError(signal.reason);
    if (maxEntries !== undefined && this.stats.entries >= maxEntries) {
      throw new OciError('ERR_OCI_LAYER_LIMIT', `layer has more than ${maxEntries} entries`, { hint: 'a tar bomb? raise the limit if the layer is trusted' });
    }
    this.stats.entries++;
    const rel = cleanEntryPath(entry.path);
    if (rel === '') {
      if (entry.type === 'dir') this.setMetadata('', entry, true);
      return;
    }
    const whiteout = parseWhiteout(rel);
    if (whiteout) {
      this.options.onWhiteout?.(whiteout);
      return this.applyWhiteout(whiteout, rel);
    }
    const slash = rel.lastIndexOf('/');
    const parent = this.root.ensureDir(slash === -1 ? '' : rel.slice(0, slash));
    const base = rel.slice(slash + 1);
    const target = parent === '' ? base : `${parent}/${base}`;
    const abs = this.root.abs(target);
    this.written.add(target);
    switch (entry.type) {
      case 'dir':
        this.create(abs, () => mkdirSync(abs, 0o700), true);
        this.setMetadata(target, entry, true);
        this.stats.dirs++;
        return;
      case 'file':
        await this.writeFile(abs, entry);
        this.stats.files++;
        return;
      case 'symlink':
        this.create(abs, () => symlinkSync(entry.linkname ?? '', abs), false);
        if (this.options.preserveOwners) lchownSync(abs, entry.uid, entry.gid);
        this.setXattrs(abs, entry);
        lutimesSync(abs, entry.mtime, entry.mtime);
        this.stats.symlinks++;
        return;
      case 'hardlink':
        return this.link(abs, entry);
      default:
        return this.makeNode(abs, target, entry);
    }
  }

  private applyWhiteout(whiteout: NonNullable<ReturnType<typeof parseWhiteout>>, rel: string): void {
    const parentInfo = lstatOrUndefined(this.root.abs(this.root.resolve(whiteout.dir, true)));
    if (!parentInfo?.isDirectory()) return; // nothing below to hide
    const dir = this.root.ensureDir(whiteout.dir);
    if (whiteout.kind === 'opaque') {
      this.stats.opaques++;
      this.clearOpaque(dir);
      return;
    }
    // .wh..wh.plnk and friends are AUFS bookkeeping, not deletions: skipped as Docker does.
    if (whiteout.name.startsWith('.wh.')) return;
    if (whiteout.name === '' || whiteout.name === '.' || whiteout.name === '..') {
      throw new UnsafePathError(rel, 'invalid whiteout name');
    }
    this.stats.whiteouts++;
    const abs = this.root.abs(dir === '' ? whiteout.name : `${dir}/${whiteout.name}`);
    const existing = lstatOrUndefined(abs);
    if (existing) this.remove(abs, existing);
  }

  /** Remove everything in `dir` that lower layers put there, keeping what this layer wrote. */
  private clearOpaque(dir: string): void {
    const prefix = dir === '' ? '' : `${dir}/`;
    // Paths under dir that this layer wrote, and every directory on the way to them.
    const keep = new Set<string>();
    for (const written of this.written) {
      if (!written.startsWith(prefix)) continue;
      let path = written;
      while (path.length > prefix.length && !keep.has(path)) {
        keep.add(path);
        path = path.slice(0, Math.max(0, path.lastIndexOf('/')));
      }
    }
    const walk = (current: string): void => {
      const currentPrefix = current === '' ? '' : `${current}/`;
      for (const name of readdirSync(this.root.abs(current))) {
        const child = `${currentPrefix}${name}`;
        const info = lstatSync(this.root.abs(child));
        if (!keep.has(child)) this.remove(this.root.abs(child), info);
        else if (info.isDirectory()) walk(child);
      }
    };
    walk(dir);
  }

  /**
   * Create a path the way tar does: try first, and only when something is
   * already there look at it (a directory may stay for a directory), remove
   * it and try again. Saves an lstat per entry on fresh trees.
   */
  private create(abs: string, make: () => void, keepDirectory: boolean): void {
    try {
      make();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = lstatSync(abs);
    if (keepDirectory && existing.isDirectory()) return;
    this.remove(abs, existing);
    make();
  }

  private remove(abs: string, info: Stats): void {
    rmSync(abs, { recursive: true, force: true });
    if (info.isDirectory() || info.isSymbolicLink()) {
      this.root.forget();
      this.reshaped = true;
    }
  }

  private async writeFile(abs: string, entry: LayerEntry): Promise<void> {
    let fd = -1;
    this.create(abs, () => (fd = openSync(abs, OPEN_NEW_FILE, 0o600)), false);
    try {
      // Small bodies in one piece: most are already in the current chunk, no generator needed.
      const chunks = entry.size === 0 ? [] : entry.size <= SMALL_BODY ? [await entry.readAll()] : entry.body();
      for await (const chunk of chunks) {
        let offset = 0;
        while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
      }
      this.stats.bytes += entry.size;
      if (this.options.preserveOwners) fchownSync(fd, entry.uid, entry.gid);
      fchmodSync(fd, entry.mode);
      if (entry.xattrs.size) this.setXattrs(abs, entry);
      futimesSync(fd, entry.mtime, entry.mtime);
    } finally {
      closeSync(fd);
    }
  }

  private link(abs: string, entry: LayerEntry): void {
    const rel = cleanEntryPath(entry.linkname ?? '');
    if (rel === '') throw new UnsafePathError(entry.path, 'hard link to the root');
    const slash = rel.lastIndexOf('/');
    const parent = this.root.resolve(slash === -1 ? '' : rel.slice(0, slash), true);
    const source = this.root.abs(parent === '' ? rel.slice(slash + 1) : `${parent}/${rel.slice(slash + 1)}`);
    const info = lstatOrUndefined(source);
    if (!info) throw new OciError('ERR_OCI_LAYER_FORMAT', `hard link ${entry.path} points to ${entry.linkname}, which does not exist`);
    if (info.isDirectory()) throw new UnsafePathError(entry.path, 'hard link to a directory');
    this.create(abs, () => linkSync(source, abs), false);
    this.stats.hardlinks++;
  }

  private makeNode(abs: string, target: string, entry: LayerEntry): void {
    if (entry.type !== 'fifo' && !this.options.preserveOwners) {
      // Only root may create devices; rootless unpacks skip them, as umoci does.
      this.options.logger?.warn?.(`skipping device ${entry.path} (not running as root)`);
      this.written.delete(target);
      return;
    }
    const existing = lstatOrUndefined(abs);
    if (existing) this.remove(abs, existing);
    const kind = entry.type === 'char' ? 'c' : entry.type === 'block' ? 'b' : 'p';
    const args = kind === 'p' ? [abs, 'p'] : [abs, kind, String(entry.devmajor), String(entry.devminor)];
    execFileSync('mknod', ['-m', '0600', '--', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.setMetadata(target, entry, false);
    this.stats.devices++;
  }

  private setXattrs(abs: string, entry: LayerEntry): void {
    if (this.options.xattrs === false) return;
    for (const [name, value] of entry.xattrs) {
      // A SELinux label describes the host that built the layer; the runtime labels the container itself.
      if (HOST_SPECIFIC_XATTRS.has(name)) continue;
      try {
        setXattr(abs, name, value);
      } catch (error) {
        this.options.logger?.warn?.(`cannot set xattr ${name} on ${entry.path}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }

  private setMetadata(target: string, entry: LayerEntry, isDir: boolean): void {
    const abs = this.root.abs(target);
    if (this.options.preserveOwners) lchownSync(abs, entry.uid, entry.gid);
    // Without root, a directory we may not write to (0555) would stop its own children: keep u+rwx until the end.
    const deferMode = isDir && !this.options.preserveOwners && (entry.mode & 0o700) !== 0o700;
    chmodSync(abs, deferMode ? entry.mode | 0o700 : entry.mode);
    if (entry.xattrs.size) this.setXattrs(abs, entry);
    if (isDir) this.dirsLast.push([target, entry.mtime, deferMode ? entry.mode : undefined]);
    else lutimesSync(abs, entry.mtime, entry.mtime);
  }

  private stillResolvesToItself(target: string): boolean {
    try {
      return this.root.resolve(target, false) === target;
    } catch {
      return false; // a loop now sits on the way
    }
  }

  /** Directory times (and deferred modes) last, deepest first: writing inside a directory changes its mtime. */
  finish(): void {
    this.dirsLast.sort((a, b) => b[0].length - a[0].length);
    for (const [target, mtime, mode] of this.dirsLast) {
      // Later entries may have replaced a parent with a symlink (only after removing a directory or a
      // symlink): then touch only paths that still resolve to themselves.
      if (this.reshaped && target !== '' && !this.stillResolvesToItself(target)) continue;
      const abs = this.root.abs(target);
      const info = lstatOrUndefined(abs);
      if (!info?.isDirectory()) continue;
      if (mode !== undefined) chmodSync(abs, mode);
      lutimesSync(abs, mtime, mtime);
    }
  }
}
