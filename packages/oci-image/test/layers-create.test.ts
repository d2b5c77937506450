import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, linkSync, mkdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { applyLayer, createLayer, createLayerFromTar, readLayerEntries, repack, unpack, type CreatedLayer } from '@ocikit/oci-image';
import { tempDir, testImage } from './support.js';
import { summariseTree, tarOf } from './layers-support.js';

let n = 0;
function fresh(base: string, name = 'd'): string {
  const dir = join(base, `${name}${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A tree with every kind of thing a layer can carry. */
function populate(dir: string, mtime = new Date('2021-05-05T00:00:00Z')): void {
  mkdirSync(join(dir, 'etc/conf.d'), { recursive: true });
  mkdirSync(join(dir, 'tmp'));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  writeFileSync(join(dir, 'etc/conf.d/big'), Buffer.alloc(3 * 1024 * 1024, 7));
  writeFileSync(join(dir, 'su'), 'su');
  chmodSync(join(dir, 'su'), 0o4755);
  chmodSync(join(dir, 'tmp'), 0o1777);
  chownSync(join(dir, 'etc/passwd'), 1000, 3000000);
  symlinkSync('/etc/passwd', join(dir, 'link'));
  linkSync(join(dir, 'su'), join(dir, 'su-hard'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  execFileSync('mknod', [join(dir, 'null'), 'c', '1', '3']);
  execFileSync('setfattr', ['-n', 'user.bin', '-v', '0sAP+AwyhkAA==', join(dir, 'su')]);
  writeFileSync(join(dir, `${'long'.repeat(40)}`), 'long name');
  for (const p of ['etc/passwd', 'etc/conf.d/big', 'su', 'etc/conf.d', 'etc', 'tmp']) utimesSync(join(dir, p), mtime, mtime);
}

async function applyAll(root: string, layers: CreatedLayer[]): Promise<void> {
  for (const layer of layers) await applyLayer(root, await layer.uncompressed(), { preserveOwners: true });
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of stream) hash.update(c as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

describe('createLayer', async () => {
  const base = await tempDir();

  it('round-trips a tree through a layer: types, modes, owners, links, devices, xattrs', async () => {
    const src = fresh(base);
    populate(src);
    const layer = await createLayer({ dir: src });
    const out = fresh(base);
    await applyAll(out, [layer]);
    expect(summariseTree(out)).toEqual(summariseTree(src));
    expect(statSync(join(out, 'su-hard')).ino).toBe(statSync(join(out, 'su')).ino);
    expect(execFileSync('getfattr', ['--absolute-names', '-n', 'user.bin', '-e', 'base64', '--only-values', join(out, 'su')]).toString('base64')).toBe(
      Buffer.from('AP+AwyhkAA==', 'base64').toString('base64'),
    );
    // The diffID is the digest of the uncompressed bytes, the digest that of the blob.
    expect(await sha256Of(await layer.uncompressed())).toBe(await layer.diffId());
    expect(await sha256Of(await layer.open())).toBe(layer.descriptor.digest);
    for await (const entry of readLayerEntries(await layer.uncompressed())) {
      expect(entry.uname).toBeUndefined();
      expect(entry.gname).toBeUndefined();
    }
    await layer.dispose();
  });

  it('is reproducible: the same tree made at different times gives the same digest with a timestamp', async () => {
    const a = fresh(base);
    const b = fresh(base);
    populate(a, new Date('2022-01-01T00:00:00Z'));
    populate(b, new Date('2023-01-01T00:00:00Z'));
    const timestamp = new Date('2020-01-01T00:00:00Z');
    const [la, lb] = [await createLayer({ dir: a, timestamp }), await createLayer({ dir: b, timestamp })];
    expect(la.descriptor.digest).toBe(lb.descriptor.digest);
    expect(await la.diffId()).toBe(await lb.diffId());
    for await (const entry of readLayerEntries(await la.uncompressed())) expect(entry.mtime.getTime()).toBeLessThanOrEqual(timestamp.getTime());
    const again = await createLayer({ dir: a, timestamp });
    expect(again.descriptor.digest).toBe(la.descriptor.digest);
    await Promise.all([la, lb, again].map((l) => l.dispose()));
  });

  it('compresses with gzip levels and zstd, the diffID staying the same', async () => {
    const src = fresh(base);
    populate(src);
    const timestamp = new Date(0);
    const layers = [
      await createLayer({ dir: src, timestamp, level: 1 }),
      await createLayer({ dir: src, timestamp, level: 9 }),
      await createLayer({ dir: src, timestamp, compression: 'zstd' }),
      await createLayer({ dir: src, timestamp, compression: 'none' }),
    ];
    expect(new Set(layers.map((l) => l.descriptor.digest)).size).toBe(4);
    expect(new Set(await Promise.all(layers.map((l) => l.diffId()))).size).toBe(1);
    expect(layers.map((l) => l.descriptor.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+zstd',
      'application/vnd.oci.image.layer.v1.tar',
    ]);
    for (const l of layers) expect(await sha256Of(await l.uncompressed())).toBe(await l.diffId());
    await Promise.all(layers.map((l) => l.dispose()));
  });

  it('writes the difference of two trees: new, changed, deleted as whiteouts, replaced dirs as opaque', async () => {
    const before = fresh(base);
    populate(before);
    mkdirSync(join(before, 'replaced/sub'), { recursive: true });
    writeFileSync(join(before, 'replaced/old'), 'old');
    writeFileSync(join(before, 'replaced/sub/old'), 'old');
    mkdirSync(join(before, 'gone/deep'), { recursive: true });
    writeFileSync(join(before, 'gone/deep/x'), 'x');
    const after = fresh(base);
    execFileSync('cp', ['-a', `${before}/.`, after]);
    writeFileSync(join(after, 'etc/passwd'), 'changed\n');
    writeFileSync(join(after, 'new'), 'new');
    rmSync(join(after, 'link'));
    rmSync(join(after, 'gone'), { recursive: true });
    rmSync(join(after, 'replaced'), { recursive: true });
    mkdirSync(join(after, 'replaced'));
    writeFileSync(join(after, 'replaced/fresh'), 'fresh');
    chmodSync(join(after, 'tmp'), 0o755);

    const full = await createLayer({ dir: before });
    const diff = await createLayer({ dir: after, base: before });
    const names: string[] = [];
    for await (const entry of readLayerEntries(await diff.uncompressed())) names.push(entry.path);
    expect(names).toContain('.wh.link');
    expect(names).toContain('.wh.gone');
    expect(names).not.toContain('gone/.wh.deep');
    expect(names).toContain('replaced/.wh..wh..opq');
    expect(names).toContain('new');
    expect(names).toContain('etc/passwd');
    expect(names).not.toContain('etc/conf.d/big');
    const root = fresh(base);
    await applyAll(root, [full, diff]);
    expect(summariseTree(root)).toEqual(summariseTree(after));
    await Promise.all([full.dispose(), diff.dispose()]);
  });

  it('makes a layer from a tar stream, plain or gzip, reproducibly', async () => {
    const tar = await tarOf([
      { header: { name: './a/', type: 'directory', mode: 0o755, uname: 'someone', gname: 'group' } },
      { header: { name: './a/f', mode: 0o600, uid: 7, gid: 8, uname: 'someone' }, body: 'content' },
      { header: { name: 'a/s', type: 'symlink', linkname: 'f' } },
    ]);
    const timestamp = new Date('2020-01-01T00:00:00Z');
    const plain = await createLayerFromTar(Readable.from([tar]), { timestamp });
    const gz = await createLayerFromTar(Readable.from([gzipSync(tar)]), { timestamp });
    expect(gz.descriptor.digest).toBe(plain.descriptor.digest);
    const entries = [];
    for await (const e of readLayerEntries(await plain.uncompressed())) entries.push([e.path, e.type, e.uid, e.gid, e.uname, e.mtime.toISOString()]);
    expect(entries).toEqual([
      ['a', 'dir', 0, 0, undefined, '2020-01-01T00:00:00.000Z'],
      ['a/f', 'file', 7, 8, undefined, '2020-01-01T00:00:00.000Z'],
      ['a/s', 'symlink', 0, 0, undefined, '2020-01-01T00:00:00.000Z'],
    ]);
    await Promise.all([plain.dispose(), gz.dispose()]);
    const gzipped = gzipSync(await tarOf([{ header: { name: 'big' }, body: 'q'.repeat(300_000) }]));
    await expect(createLayerFromTar(Readable.from([gzipped.subarray(0, gzipped.length - 20)]))).rejects.toMatchObject({
      code: expect.stringMatching(/ERR_OCI_(DECOMPRESS|LAYER_TRUNCATED)/),
    });
  });
});

describe('unpack and repack', async () => {
  const base = await tempDir();

  it('repack captures every kind of change made to the rootfs after unpack', async () => {
    const image = await testImage([
      { 'etc/': '', 'etc/os-release': 'ID=test\n', 'etc/keep': 'keep', 'var/': '', 'var/lib/': '', 'var/lib/db': 'db', 'opt/': '', 'opt/x/y': 'y' },
      { 'usr/bin/tool': 'tool' },
    ]);
    const bundle = join(base, 'bundle');
    const result = await unpack(image, bundle, { preserveOwners: true, reference: 'test' });
    expect(result.layers).toHaveLength(2);
    const rootfs = result.rootfs;
    const config = JSON.parse(execFileSync('cat', [join(bundle, 'config.json')], { encoding: 'utf8' }));
    expect(config.process.args).toEqual(['/bin/sh']);
    expect(config.root.path).toBe('rootfs');
    expect(summariseTree(rootfs)['var/lib/db']).toMatchObject({ type: 'file', size: 2 });

    writeFileSync(join(rootfs, 'etc/os-release'), 'ID=changed\n');
    chmodSync(join(rootfs, 'etc/keep'), 0o600);
    rmSync(join(rootfs, 'var/lib'), { recursive: true });
    rmSync(join(rootfs, 'opt'), { recursive: true });
    mkdirSync(join(rootfs, 'opt'));
    writeFileSync(join(rootfs, 'opt/new'), 'new');
    linkSync(join(rootfs, 'usr/bin/tool'), join(rootfs, 'usr/bin/tool2'));
    symlinkSync('tool', join(rootfs, 'usr/bin/alias'));
    chownSync(join(rootfs, 'usr/bin/tool'), 42, 43);

    const repacked = await repack(bundle, { timestamp: new Date('2020-01-01T00:00:00Z') });
    expect(repacked.metadata.manifestDigest).toBe(await image.digest());
    const names: string[] = [];
    for await (const e of readLayerEntries(await repacked.layer.uncompressed())) names.push(e.path);
    expect(names).toEqual(expect.arrayContaining(['etc/os-release', 'etc/keep', 'var/.wh.lib', 'opt/new', 'usr/bin/alias']));
    // A recreated directory may get its old inode back: then its old children are whited out one by one.
    expect(names.includes('opt/.wh..wh..opq') || names.includes('opt/.wh.x')).toBe(true);
    expect(names).not.toContain('etc/passwd');

    const check = join(base, 'check');
    mkdirSync(check);
    for (const layer of await image.layers()) await applyLayer(check, await layer.uncompressed(), { preserveOwners: true });
    await applyLayer(check, await repacked.layer.uncompressed(), { preserveOwners: true });
    expect(summariseTree(check)).toEqual(summariseTree(rootfs));
    expect(statSync(join(check, 'usr/bin/tool2')).ino).toBe(statSync(join(check, 'usr/bin/tool')).ino);
    await repacked.layer.dispose();
  });

  it('refuses to unpack over a non-empty rootfs', async () => {
    const image = await testImage([{ f: 'x' }]);
    const bundle = join(base, 'twice');
    await unpack(image, bundle);
    await expect(unpack(image, bundle)).rejects.toMatchObject({ code: 'ERR_OCI_BUNDLE_EXISTS' });
  });
});
