import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { IgnoreRules } from '../ignore.js';
import { copyMatches, archiveKind } from './copy-files.js';
import { cleanSource, digestSources, matchSources, type SourceRoot } from './sources.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocikit-copy-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const owner = { owner: { uid: 0, gid: 0 }, extractArchives: false };

describe('COPY sources', () => {
  it('cleans sources so they stay inside the root', () => {
    expect(cleanSource('../../etc/passwd')).toBe('etc/passwd');
    expect(cleanSource('/a/./b/')).toBe('a/b');
    expect(cleanSource('.')).toBe('');
  });
  it('expands globs per path component, skips ignored paths, names what is missing', () => {
    const root: SourceRoot = { dir: tree({ 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', 'sub/d.txt': 'd', 'x.log': 'l' }), label: 'ctx', ignore: IgnoreRules.parse('b.txt') };
    expect(matchSources(root, '*.txt').map((m) => m.rel)).toEqual(['a.txt']);
    expect(matchSources(root, '*/*.txt').map((m) => m.rel)).toEqual(['sub/d.txt']);
    expect(matchSources(root, '[ac].*').map((m) => m.rel)).toEqual(['a.txt', 'c.md']);
    expect(() => matchSources(root, 'b.txt')).toThrow(/"b.txt" not found in ctx/);
    expect(() => matchSources(root, 'nope*')).toThrow(/ERR_BUILD_SOURCE_NOT_FOUND|not found/);
  });
  it('digests contents and modes, not times', () => {
    const dir = tree({ 'a/x': 'x', 'a/y': 'y' });
    const root: SourceRoot = { dir, label: 'ctx' };
    const before = digestSources(root, matchSources(root, 'a'));
    execFileSync('touch', ['-d', '2001-01-01', join(dir, 'a/x')]);
    expect(digestSources(root, matchSources(root, 'a'))).toBe(before);
    writeFileSync(join(dir, 'a/y'), 'changed');
    expect(digestSources(root, matchSources(root, 'a'))).not.toBe(before);
  });
});

describe('copyMatches', () => {
  it('copies a directory\'s contents, a file to a file name or into a dir, keeping links and applying --chown/--chmod', async () => {
    const src = tree({ 'dir/one': '1', 'dir/sub/two': '2', 'file.txt': 'f' });
    symlinkSync('one', join(src, 'dir/link'));
    const root: SourceRoot = { dir: src, label: 'ctx' };
    const rootfs = tree({ 'etc/existing': 'e' });
    await copyMatches(root, matchSources(root, 'dir'), rootfs, '/opt/app', false, owner);
    expect(readFileSync(join(rootfs, 'opt/app/sub/two'), 'utf8')).toBe('2');
    expect(readlinkSync(join(rootfs, 'opt/app/link'))).toBe('one');
    await copyMatches(root, matchSources(root, 'file.txt'), rootfs, '/renamed', false, owner);
    expect(readFileSync(join(rootfs, 'renamed'), 'utf8')).toBe('f');
    await copyMatches(root, matchSources(root, 'file.txt'), rootfs, '/etc/', true, { owner: { uid: 1000, gid: 100 }, chmod: 0o600, extractArchives: false });
    const info = lstatSync(join(rootfs, 'etc/file.txt'));
    expect([info.uid, info.gid, info.mode & 0o777]).toEqual([1000, 100, 0o600]);
    // An existing directory as destination takes the file inside.
    await copyMatches(root, matchSources(root, 'file.txt'), rootfs, '/opt/app', false, owner);
    expect(readFileSync(join(rootfs, 'opt/app/file.txt'), 'utf8')).toBe('f');
  });
  it('writes through symlinks only inside the rootfs', async () => {
    const src = tree({ 'f': 'data' });
    const rootfs = tree({ 'real/.keep': '' });
    symlinkSync('/real', join(rootfs, 'link'));
    symlinkSync('../../../../..', join(rootfs, 'escape'));
    const root: SourceRoot = { dir: src, label: 'ctx' };
    await copyMatches(root, matchSources(root, 'f'), rootfs, '/link/f', false, owner);
    expect(readFileSync(join(rootfs, 'real/f'), 'utf8')).toBe('data');
    await copyMatches(root, matchSources(root, 'f'), rootfs, '/escape/tmp/escaped', false, owner);
    expect(readFileSync(join(rootfs, 'tmp/escaped'), 'utf8')).toBe('data');
  });
  it('ADD extracts local tar archives (plain and gzip) and copies other files', async () => {
    const content = tree({ 'in/x': 'x' });
    const src = tree({ 'plain.txt': 'not an archive' });
    execFileSync('tar', ['-cf', join(src, 'a.tar'), '-C', content, '.']);
    execFileSync('tar', ['-czf', join(src, 'b.tgz'), '-C', content, '.']);
    expect(archiveKind(join(src, 'a.tar'))).toBe('tar');
    expect(archiveKind(join(src, 'b.tgz'))).toBe('gzip');
    expect(archiveKind(join(src, 'plain.txt'))).toBeUndefined();
    const rootfs = tree({});
    const root: SourceRoot = { dir: src, label: 'ctx' };
    await copyMatches(root, matchSources(root, '*'), rootfs, '/dst/', true, { ...owner, extractArchives: true });
    expect(readFileSync(join(rootfs, 'dst/in/x'), 'utf8')).toBe('x');
    expect(readFileSync(join(rootfs, 'dst/plain.txt'), 'utf8')).toBe('not an archive');
  });
});
