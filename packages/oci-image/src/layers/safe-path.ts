import { lstatSync, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { OciError, UnsafePathError } from '../errors.js';
import { UNNORMALISED_PATH } from './tar-format.js';

const MAX_LINKS = 255;

/** Split a tar path into clean components; `..` that climbs above the root is refused. */
export function cleanEntryPath(path: string): string {
  if (!path.includes('..') && !UNNORMALISED_PATH.test(path)) return path;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new UnsafePathError(path, 'climbs out of the root with ..');
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

/** lstat, or undefined when nothing is there (or a parent is not a directory). */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function dirnameOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash === -1 ? '' : rel.slice(0, slash);
}

/**
 * A folder that paths are resolved inside, the way filepath-securejoin does:
 * component by component with lstat and readlink, an absolute symlink target
 * restarting at the root and `..` stopping at it, so no resolved path ever
 * leaves the root. Results are relative to the root and free of symlinks in
 * every component that exists.
 */
export class SafeRoot {
  /** Directories already resolved and known to exist: unresolved -> resolved. */
  private readonly dirs = new Map<string, string>();

  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** `rel` is clean (no `.`, `..` or empty components), so plain joining is enough. */
  abs(rel: string): string {
    return rel === '' ? this.root : this.root === '/' ? `/${rel}` : `${this.root}/${rel}`;
  }

  /** Resolve `rel` (already cleaned) inside the root; the last component is followed only when asked. */
  resolve(rel: string, followLast: boolean): string {
    const pending = rel === '' ? [] : rel.split('/');
    let current = '';
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        current = dirnameOf(current);
        continue;
      }
      const candidate = current === '' ? part : `${current}/${part}`;
      if (pending.length === 0 && !followLast) {
        current = candidate;
        break;
      }
      const info = lstatOrUndefined(this.abs(candidate));
      if (!info?.isSymbolicLink()) {
        current = candidate;
        continue;
      }
      if (++links > MAX_LINKS) throw new UnsafePathError(rel, 'too many levels of symbolic links (a loop?)');
      const target = readlinkSync(this.abs(candidate));
      if (target.startsWith('/')) current = '';
      pending.unshift(...target.split('/'));
    }
    return current;
  }

  /**
   * The resolved directory for `rel`, created (0755, like tar and umoci) where
   * missing. A component that exists and is not a directory is an error.
   */
  ensureDir(rel: string): string {
    const known = this.dirs.get(rel);
    if (known !== undefined) return known;
    const resolved = this.resolve(rel, true);
    const info = lstatOrUndefined(this.abs(resolved));
    if (!info) {
      const parent = resolved === '' ? '' : this.ensureDir(dirnameOf(resolved));
      const own = parent === '' ? resolved.split('/').pop() as string : `${parent}/${resolved.slice(resolved.lastIndexOf('/') + 1)}`;
      // resolved's parent is symlink-free, so resolving again is the same path; mkdir one level.
      mkdirSync(this.abs(own), 0o755);
      this.dirs.set(rel, own);
      return own;
    }
    if (!info.isDirectory()) {
      throw new OciError('ERR_OCI_LAYER_CONFLICT', `cannot create ${rel}/...: ${resolved || '/'} is not a directory`, {
        hint: 'the layer puts an entry under something that is not a directory',
      });
    }
    this.dirs.set(rel, resolved);
    return resolved;
  }

  /** Call after removing a directory or a symlink: cached resolutions may route through it. */
  forget(): void {
    this.dirs.clear();
  }
}
