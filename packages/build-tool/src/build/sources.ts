import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { SourceNotFoundError } from '../errors.js';
import { globToRegex } from '../glob.js';
import type { IgnoreRules } from '../ignore.js';

/** Where COPY/ADD read from: the build context (with its ignore rules), a stage's or an image's rootfs. */
export interface SourceRoot {
  dir: string;
  ignore?: IgnoreRules;
  /** For messages: "the build context", "stage build". */
  label: string;
}

export interface SourceMatch {
  /** Relative to the source root, no leading slash ('' for the root itself). */
  rel: string;
  abs: string;
  stats: Stats;
}

const GLOB = /[*?[]/;

/** A source path cleaned to stay inside its root: leading / and any .. above the root dropped. */
export function cleanSource(pattern: string): string {
  const normal = posix.normalize(`/${pattern}`);
  return normal === '/' ? '' : normal.replace(/^\/+/, '').replace(/\/+$/, '');
}

export function hasGlob(pattern: string): boolean {
  return GLOB.test(pattern);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Expand one source pattern against the root; at least one match or SourceNotFoundError. */
export function matchSources(root: SourceRoot, pattern: string): SourceMatch[] {
  const clean = cleanSource(pattern);
  const parts = clean === '' ? [] : clean.split('/');
  let candidates = [''];
  for (const part of parts) {
    const next: string[] = [];
    const regex = hasGlob(part) ? globToRegex(part) : undefined;
    for (const base of candidates) {
      if (!regex) {
        next.push(base === '' ? part : `${base}/${part}`);
        continue;
      }
      let names: string[] = [];
      try {
        names = readdirSync(join(root.dir, base)).sort();
      } catch {
        continue;
      }
      for (const name of names) if (regex.test(name)) next.push(base === '' ? name : `${base}/${name}`);
    }
    candidates = next;
  }
  const matches: SourceMatch[] = [];
  for (const rel of candidates) {
    if (rel !== '' && root.ignore?.ignores(rel)) continue;
    const abs = join(root.dir, rel);
    const link = lstatOrUndefined(abs);
    if (!link) continue;
    // A named source that is a symlink is followed (as Docker does); inner links are copied as links.
    let stats = link;
    if (link.isSymbolicLink()) {
      try {
        stats = statSync(abs);
      } catch {
        stats = link;
      }
    }
    matches.push({ rel, abs, stats });
  }
  if (matches.length === 0) throw new SourceNotFoundError(pattern, root.label);
  return matches;
}

/** Every path under a matched directory (tree order), skipping ignored ones; `rel` is relative to the source root. */
export function* walkSource(root: SourceRoot, dirRel: string): Generator<{ rel: string; abs: string; stats: Stats }> {
  const abs = join(root.dir, dirRel);
  let names: string[];
  try {
    names = readdirSync(abs).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const rel = dirRel === '' ? name : `${dirRel}/${name}`;
    const ignored = root.ignore?.ignores(rel) ?? false;
    // Without `!` rules nothing below an ignored path can come back.
    if (ignored && !root.ignore?.hasExceptions) continue;
    const entryAbs = join(abs, name);
    const stats = lstatSync(entryAbs);
    if (!ignored) yield { rel, abs: entryAbs, stats };
    if (stats.isDirectory()) yield* walkSource(root, rel);
  }
}

function hashFile(hash: ReturnType<typeof createHash>, abs: string, size: number): void {
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 1024 * 1024));
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A digest of what a COPY/ADD reads: names, types, modes and contents (not
 * times or owners, as BuildKit keys its cache), so an unchanged context hits.
 */
export function digestSources(root: SourceRoot, matches: readonly SourceMatch[]): string {
  const hash = createHash('sha256');
  const entry = (rel: string, abs: string, stats: Stats) => {
    const type = stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'l' : stats.isFile() ? 'f' : 'o';
    hash.update(`${type} ${(stats.mode & 0o7777).toString(8)} ${stats.size} ${rel}\0`);
    if (type === 'f') hashFile(hash, abs, stats.size);
    else if (type === 'l') hash.update(readlinkSync(abs));
  };
  for (const match of matches) {
    entry(match.rel, match.abs, match.stats);
    if (match.stats.isDirectory()) for (const item of walkSource(root, match.rel)) entry(item.rel, item.abs, item.stats);
  }
  return hash.digest('hex');
}
