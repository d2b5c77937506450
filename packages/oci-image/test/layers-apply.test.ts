import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLayer } from '@ocikit/oci-image';
import { tempDir } from './support.js';
import { streamOf, summariseTree, tarOf, type TarItem } from './layers-support.js';

let counter = 0;
async function freshRoot(base: string): Promise<string> {
  const root = join(base, `root${counter++}`);
  mkdirSync(root);
  return root;
}

async function apply(root: string, items: TarItem[]) {
  return applyLayer(root, streamOf(await tarOf(items), 4096), { preserveOwners: true });
}

describe('applyLayer', async () => {
  const base = await tempDir();

  it('writes files, dirs, symlinks, hard links, devices, fifos with modes, owners, mtimes and xattrs', async () => {
    const root = await freshRoot(base);
    const stats = await applyLayer(
      root,
      streamOf(
        Buffer.concat([
          await tarOf([
            { header: { name: 'bin/', type: 'directory', mode: 0o755, mtime: new Date(1_000_000_000) } },
            { header: { name: 'bin/su', mode: 0o4755, uid: 0, gid: 0 }, body: 'su' },
            { header: { name: 'tmp/', type: 'directory', mode: 0o1777 } },
            { header: { name: 'home/user/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000 } },
            { header: { name: 'home/user/f', mode: 0o2640, uid: 1000, gid: 100, mtime: new Date(1_234_567_000) }, body: 'data' },
            { header: { name: 'home/user/link', type: 'symlink', linkname: '/etc/passwd', uid: 1000, gid: 1000 } },
            { header: { name: 'bin/su2', type: 'link', linkname: 'bin/su' } },
            { header: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 } },
            { header: { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660 } },
            { header: { name: 'run/fifo', type: 'fifo', mode: 0o600 } },
          ]),
        ]),
        300,
      ),
      { preserveOwners: true },
    );
    expect(stats).toMatchObject({ files: 2, dirs: 3, symlinks: 1, hardlinks: 1, devices: 3 });
    const tree = summariseTree(root);
    expect(tree['bin/su']).toMatchObject({ type: 'file', mode: '4755', size: 2 });
    expect(tree['tmp']).toMatchObject({ type: 'dir', mode: '1777' });
    expect(tree['home/user']).toMatchObject({ mode: '700', uid: 1000, gid: 1000 });
    expect(tree['home/user/f']).toMatchObject({ mode: '2640', uid: 1000, gid: 100 });
    expect(tree['home/user/link']).toMatchObject({ type: 'symlink', link: '/etc/passwd', uid: 1000 });
    expect(tree['dev/null']).toMatchObject({ type: 'char', mode: '666' });
    expect(tree['dev/loop9']).toMatchObject({ type: 'block', mode: '660' });
    expect(tree['run/fifo']).toMatchObject({ type: 'fifo', mode: '600' });
    expect(statSync(join(root, 'dev/null')).rdev).toBe(statSync('/dev/null').rdev);
    expect(statSync(join(root, 'bin/su2')).ino).toBe(statSync(join(root, 'bin/su')).ino);
    expect(statSync(join(root, 'home/user/f')).mtimeMs).toBe(1_234_567_000);
    expect(statSync(join(root, 'bin')).mtimeMs).toBe(1_000_000_000);
    // Parents the tar did not list are made 0755.
    expect(tree['dev']).toMatchObject({ type: 'dir', mode: '755' });
  });

  it('sets binary xattrs from a GNU tar', async () => {
    const src = join(base, 'xsrc');
    mkdirSync(src);
    execFileSync('sh', ['-c', `printf x > ${src}/f && setfattr -n user.bin -v 0sAP+AwyhkAA== ${src}/f`]);
    const tar = execFileSync('tar', ['--format=posix', '--xattrs', '--xattrs-include=*', '-C', src, '-cf', '-', 'f']);
    const root = await freshRoot(base);
    await applyLayer(root, streamOf(tar), { preserveOwners: true });
    expect(execFileSync('getfattr', ['--absolute-names', '-n', 'user.bin', '-e', 'base64', '--only-values', join(root, 'f')]).toString('base64')).toBe(
      Buffer.from('AP+AwyhkAA==', 'base64').toString('base64'),
    );
  });

  it('applies whiteouts and opaque directories over lower layers, keeping what the same layer wrote', async () => {
    const root = await freshRoot(base);
    await apply(root, [
      { header: { name: 'a/', type: 'directory' } },
      { header: { name: 'a/gone' }, body: '1' },
      { header: { name: 'a/kept' }, body: '2' },
      { header: { name: 'a/sub/deep' }, body: '3' },
      { header: { name: 'o/', type: 'directory' } },
      { header: { name: 'o/old' }, body: 'old' },
      { header: { name: 'o/sub/old' }, body: 'old' },
      { header: { name: 'o/keepdir/old' }, body: 'old' },
    ]);
    const stats = await apply(root, [
      { header: { name: 'a/.wh.gone' } },
      { header: { name: 'a/.wh.sub' } },
      { header: { name: 'a/.wh.never-existed' } },
      { header: { name: 'o/new' }, body: 'new' },
      { header: { name: 'o/keepdir/new' }, body: 'new' },
      // The opaque marker after some of the layer's own entries must not remove them.
      { header: { name: 'o/.wh..wh..opq' } },
      { header: { name: 'o/later' }, body: 'later' },
    ]);
    expect(stats).toMatchObject({ whiteouts: 3, opaques: 1 });
    expect(Object.keys(summariseTree(root))).toEqual(['a', 'a/kept', 'o', 'o/keepdir', 'o/keepdir/new', 'o/later', 'o/new']);
  });

  it('replaces a directory with a file, a file with a directory and a symlink with a file', async () => {
    const root = await freshRoot(base);
    await apply(root, [
      { header: { name: 'd/x' }, body: 'x' },
      { header: { name: 'f' }, body: 'f' },
      { header: { name: 's', type: 'symlink', linkname: 'f' } },
      { header: { name: 'same' }, body: 'one' },
    ]);
    await apply(root, [
      { header: { name: 'd' }, body: 'now a file' },
      { header: { name: 'f/', type: 'directory', mode: 0o750 } },
      { header: { name: 'f/inside' }, body: 'y' },
      { header: { name: 's' }, body: 'no longer a link' },
      { header: { name: 'same', mode: 0o600 }, body: 'two' },
    ]);
    expect(readFileSync(join(root, 'd'), 'utf8')).toBe('now a file');
    expect(lstatSync(join(root, 'f')).isDirectory()).toBe(true);
    expect(lstatSync(join(root, 's')).isFile()).toBe(true);
    expect(readFileSync(join(root, 'same'), 'utf8')).toBe('two');
    expect(statSync(join(root, 'same')).mode & 0o777).toBe(0o600);
  });

  it('merges a directory entry into an existing directory and follows in-root symlinks for parents', async () => {
    const root = await freshRoot(base);
    await apply(root, [
      { header: { name: 'usr/lib/a' }, body: 'a' },
      { header: { name: 'lib', type: 'symlink', linkname: 'usr/lib' } },
    ]);
    await apply(root, [
      { header: { name: 'usr/', type: 'directory', mode: 0o711 } },
      { header: { name: 'lib/b' }, body: 'b' },
    ]);
    expect(readFileSync(join(root, 'usr/lib/a'), 'utf8')).toBe('a');
    expect(readFileSync(join(root, 'usr/lib/b'), 'utf8')).toBe('b');
    expect(readlinkSync(join(root, 'lib'))).toBe('usr/lib');
    expect(statSync(join(root, 'usr')).mode & 0o777).toBe(0o711);
  });

  it('stops when its signal is aborted', async () => {
    const root = await freshRoot(base);
    const controller = new AbortController();
    controller.abort();
    await expect(
      applyLayer(root, streamOf(await tarOf([{ header: { name: 'f' }, body: 'x' }])), { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ERR_OCI_ABORTED' });
  });

  it('does not chown without preserveOwners, and skips devices then', async () => {
    const root = await freshRoot(base);
    const stats = await applyLayer(
      root,
      streamOf(await tarOf([
        { header: { name: 'f', uid: 1234, gid: 5678 }, body: 'x' },
        { header: { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } },
        { header: { name: 'ro/', type: 'directory', mode: 0o555 } },
        { header: { name: 'ro/inside' }, body: 'y' },
      ])),
      { preserveOwners: false },
    );
    // A read-only directory keeps u+w while its children are written, and gets its mode at the end.
    expect(statSync(join(root, 'ro')).mode & 0o7777).toBe(0o555);
    expect(readFileSync(join(root, 'ro/inside'), 'utf8')).toBe('y');
    expect(statSync(join(root, 'f')).uid).toBe(process.getuid!());
    expect(stats.devices).toBe(0);
    expect(() => lstatSync(join(root, 'null'))).toThrow();
  });
});
