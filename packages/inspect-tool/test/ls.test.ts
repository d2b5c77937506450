import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { craftImage, dir, file, hardlink, opaque, symlink, whiteout } from './support/craft.js';
import { BIN, inspectCli, run, tempDir, type TempDir } from './support/cli.js';
import { buildFixtures } from '../../../test/support/fixtures.js';

/*
 * ls must equal the tree umoci unpack produces: the same paths, types,
 * modes, owners, sizes and link targets, for layers with whiteouts, opaque
 * directories, replaced types, hard links and implied parents.
 */
let tmp: TempDir;
let layout: string;

const LAYERS = [
  [
    dir('etc'),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'),
    file('etc/hosts', '127.0.0.1 localhost\n', { mode: 0o600 }),
    dir('usr'),
    dir('usr/bin'),
    file('usr/bin/tool', 'binary-v1', { mode: 0o755 }),
    file('usr/big.dat', Buffer.alloc(4 * 1024 * 1024, 0x61)),
    symlink('bin', 'usr/bin'),
    dir('var/cache/apt', { mode: 0o700 }),
    file('var/cache/apt/pkgcache.bin', 'x'.repeat(5000)),
    file('var/cache/apt/srcpkgcache.bin', 'y'.repeat(3000)),
    dir('opt/app'),
    file('opt/app/old.js', 'old'),
    dir('opt/app/lib'),
    file('opt/app/lib/a.js', 'a'),
    file('data/replaced', 'i was a file'),
    dir('home/user', { uid: 1000, gid: 1000 }),
    file('home/user/.profile', 'export X=1\n', { uid: 1000, gid: 1000 }),
  ],
  [
    whiteout('etc/hosts'),
    opaque('opt/app'),
    file('opt/app/new.js', 'new', { mode: 0o640 }),
    file('usr/bin/tool', 'binary-v2-longer', { mode: 0o755 }),
    hardlink('usr/bin/tool2', 'usr/bin/tool'),
    whiteout('var/cache/apt'),
    dir('data/replaced'),
    file('data/replaced/child', 'now a dir'),
    file('deep/implied/parents/file.txt', 'implied'),
    { path: 'run/fifo', type: 'fifo' as const },
  ],
  [file('etc/hosts', 'back again\n'), whiteout('home/user/.profile'), file('opt/app/.wh.new.js', '')],
];

beforeAll(async () => {
  tmp = await tempDir('ls');
  layout = tmp.layout;
  await craftImage(layout, 'wh', { layers: LAYERS });
});
afterAll(() => tmp.remove());

interface Row {
  path: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  link: string;
}

async function umociTree(ref: string, from = layout): Promise<Row[]> {
  const bundle = join(tmp.path, `bundle-${ref}`);
  const unpack = await run('umoci', ['unpack', '--image', `${from}:${ref}`, bundle]);
  expect(unpack.code, unpack.stderr).toBe(0);
  const rootfs = join(bundle, 'rootfs');
  const found = await run('find', [rootfs, '-mindepth', '1', '-printf', '%P\\t%y\\t%m\\t%U\\t%G\\t%s\\t%l\\n']);
  expect(found.code).toBe(0);
  return found.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [path, y, mode, uid, gid, size, link] = line.split('\t') as string[];
      const type = { d: 'dir', f: 'file', l: 'symlink', p: 'fifo', c: 'char', b: 'block' }[y as string] ?? y;
      return { path: `/${path}`, type: type as string, mode: mode as string, uid: Number(uid), gid: Number(gid), size: type === 'file' ? Number(size) : 0, link: link ?? '' };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function ourTree(ref: string, from = layout): Promise<Row[]> {
  const result = await inspectCli('ls', '--format', 'json', `oci:${from}:${ref}`);
  expect(result.code, result.stderr).toBe(0);
  const entries = JSON.parse(result.stdout) as Array<{ path: string; type: string; mode: string; uid: number; gid: number; size: number; linkname?: string }>;
  return entries
    .map((e) => ({
      path: e.path,
      type: e.type === 'hardlink' ? 'file' : e.type,
      mode: Number.parseInt(e.mode, 8).toString(8),
      uid: e.uid,
      gid: e.gid,
      size: e.type === 'file' || e.type === 'hardlink' ? e.size : 0,
      link: e.type === 'symlink' ? (e.linkname ?? '') : '',
    }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

describe('ls', () => {
  it('equals the tree umoci unpack produces (whiteouts, opaque dirs, type changes, hard links)', async () => {
    const [ours, theirs] = await Promise.all([ourTree('wh'), umociTree('wh')]);
    expect(ours.map((r) => r.path)).toEqual(theirs.map((r) => r.path));
    // Implied parents get umoci's defaults too; compare everything.
    expect(ours).toEqual(theirs);
  });

  it('equals the tree umoci unpack produces for the shared multilayer fixture', async () => {
    const fx = (await buildFixtures()).multilayer;
    const [ours, theirs] = await Promise.all([ourTree(fx.tag, fx.layout), umociTree(fx.tag, fx.layout)]);
    expect(ours.length).toBeGreaterThan(10);
    expect(ours).toEqual(theirs);
  });

  it('applies whiteouts and opaque markers as the spec says', async () => {
    const result = await inspectCli('ls', `oci:${layout}:wh`);
    const paths = result.stdout.trim().split('\n');
    expect(paths).toContain('/etc/hosts');
    expect(paths).not.toContain('/opt/app/old.js');
    expect(paths).not.toContain('/opt/app/lib');
    expect(paths).not.toContain('/opt/app/new.js');
    expect(paths).not.toContain('/var/cache/apt');
    expect(paths).toContain('/var/cache');
    expect(paths).not.toContain('/home/user/.profile');
    expect(paths).toContain('/data/replaced/child');
  });

  it('lists below a path, through symlinks, with -l and --depth', async () => {
    const result = await inspectCli('ls', '-l', '--depth', '1', `oci:${layout}:wh`, '/bin');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^-rwxr-xr-x +0\/0 +16 2024-01-02T03:04:05Z \/usr\/bin\/tool$/);
    expect(lines[1]).toMatch(/^-rwxr-xr-x +0\/0 +16 .* \/usr\/bin\/tool2 link to \/usr\/bin\/tool$/);
  });

  it('cat prints a file from the layer that provides it, following symlinks and hard links', async () => {
    expect((await inspectCli('cat', `oci:${layout}:wh`, '/etc/hosts')).stdout).toBe('back again\n');
    expect((await inspectCli('cat', `oci:${layout}:wh`, '/bin/tool')).stdout).toBe('binary-v2-longer');
    expect((await inspectCli('cat', `oci:${layout}:wh`, '/usr/bin/tool2')).stdout).toBe('binary-v2-longer');
    expect((await inspectCli('cat', `oci:${layout}:wh`, '/etc/passwd')).stdout).toBe('root:x:0:0:root:/root:/bin/sh\n');
  });

  it('cat into a reader that stops early (| head) ends quietly', async () => {
    const result = await run('sh', ['-c', `"${process.execPath}" "${BIN}" cat "oci:${layout}:wh" /usr/big.dat | head -c 5`]);
    expect(result.stdout).toBe('aaaaa');
    expect(result.stderr).toBe('');
  });

  it('cat of a removed or missing file, or a directory, fails with one line', async () => {
    for (const path of ['/home/user/.profile', '/nope', '/etc']) {
      const result = await inspectCli('cat', `oci:${layout}:wh`, path);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/ERR_INSPECT_NO_SUCH_FILE/);
    }
  });
});
