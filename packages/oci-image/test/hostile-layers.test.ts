import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyLayer, decompressStream, encodeHeader, END_OF_ARCHIVE } from '@ocikit/oci-image';
import { tempDir } from './support.js';
import { listAll, streamOf, tarOf, type TarItem } from './layers-support.js';

/**
 * Hostile layers: each must leave everything outside the root untouched,
 * either by containing the write inside the root or by failing clearly.
 */
describe('hostile layers never write outside the root', async () => {
  const base = await tempDir();
  const outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'safe');
  const outsideBefore = listAll(outside);
  let root = '';
  let n = 0;

  beforeEach(() => {
    root = join(base, `bundle${n++}`, 'rootfs');
    mkdirSync(root, { recursive: true });
    return () => {
      expect(listAll(outside)).toEqual(outsideBefore);
      expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('safe');
      expect(statSync(join(outside, 'victim')).nlink).toBe(1);
      expect(existsSync(join(base, 'escape'))).toBe(false);
      expect(existsSync(join(root, '..', 'escape'))).toBe(false);
    };
  });

  const apply = async (items: TarItem[]) => applyLayer(root, streamOf(await tarOf(items)), { preserveOwners: true });

  it('refuses a .. path that climbs out', async () => {
    await expect(apply([{ header: { name: '../escape' }, body: 'x' }])).rejects.toMatchObject({ code: 'ERR_OCI_UNSAFE_PATH' });
    await expect(apply([{ header: { name: 'a/../../../escape' }, body: 'x' }])).rejects.toMatchObject({ code: 'ERR_OCI_UNSAFE_PATH' });
  });

  it('keeps .. that stays inside the root inside it', async () => {
    await apply([{ header: { name: 'a/b/../c' }, body: 'x' }]);
    expect(readFileSync(join(root, 'a/c'), 'utf8')).toBe('x');
  });

  it('treats an absolute entry name as relative to the root', async () => {
    await apply([{ header: { name: `${outside}/victim` }, body: 'pwned' }]);
    expect(readFileSync(join(root, outside, 'victim'), 'utf8')).toBe('pwned');
  });

  it('contains a write through an absolute symlink (symlink-then-write)', async () => {
    await apply([
      { header: { name: 'evil', type: 'symlink', linkname: outside } },
      { header: { name: 'evil/victim' }, body: 'pwned' },
    ]);
    expect(readlinkSync(join(root, 'evil'))).toBe(outside);
    expect(readFileSync(join(root, outside, 'victim'), 'utf8')).toBe('pwned');
  });

  it('contains a write through a relative symlink that climbs out', async () => {
    await apply([
      { header: { name: 'x/evil', type: 'symlink', linkname: `../../../../../../../../..${outside}` } },
      { header: { name: 'x/evil/victim' }, body: 'pwned' },
      { header: { name: 'up', type: 'symlink', linkname: '../..' } },
      { header: { name: 'up/escape' }, body: 'pwned' },
    ]);
    expect(readFileSync(join(root, outside, 'victim'), 'utf8')).toBe('pwned');
    expect(readFileSync(join(root, 'escape'), 'utf8')).toBe('pwned');
  });

  it('contains chains of symlinks', async () => {
    await apply([
      { header: { name: 'a', type: 'symlink', linkname: 'b' } },
      { header: { name: 'b', type: 'symlink', linkname: 'c/../../d' } },
      { header: { name: 'd', type: 'symlink', linkname: '/' } },
      { header: { name: 'a/escape' }, body: 'pwned' },
    ]);
    expect(readFileSync(join(root, 'escape'), 'utf8')).toBe('pwned');
  });

  it('contains a symlink that replaced a directory earlier in the same layer', async () => {
    await apply([{ header: { name: 'd/', type: 'directory' } }, { header: { name: 'd/f' }, body: 'first' }]);
    await apply([
      { header: { name: 'd/g' }, body: 'second' },
      { header: { name: 'd', type: 'symlink', linkname: outside } },
      { header: { name: 'd/victim' }, body: 'pwned' },
    ]);
    expect(readFileSync(join(root, outside, 'victim'), 'utf8')).toBe('pwned');
  });

  it('directory times and modes set at the end never reach through a parent replaced by a symlink', async () => {
    mkdirSync(join(outside, 'a'), { recursive: true });
    const before = lstatSync(join(outside, 'a'));
    await applyLayer(
      root,
      streamOf(
        await tarOf([
          { header: { name: 'x/', type: 'directory', mode: 0o755 } },
          { header: { name: 'x/a/', type: 'directory', mode: 0o500, mtime: new Date(1_000_000) } },
          { header: { name: 'x', type: 'symlink', linkname: outside } },
        ]),
      ),
      { preserveOwners: false },
    );
    const after = lstatSync(join(outside, 'a'));
    expect([after.mode, after.mtimeMs]).toEqual([before.mode, before.mtimeMs]);
    rmSync(join(outside, 'a'), { recursive: true });
  });

  it('overwriting a symlink replaces the link instead of writing to its target', async () => {
    await apply([{ header: { name: 's', type: 'symlink', linkname: join(outside, 'victim') } }]);
    await apply([{ header: { name: 's' }, body: 'pwned' }]);
    expect(lstatSync(join(root, 's')).isFile()).toBe(true);
  });

  it('rejects symlink loops', async () => {
    await expect(
      apply([
        { header: { name: 'l1', type: 'symlink', linkname: 'l2' } },
        { header: { name: 'l2', type: 'symlink', linkname: 'l1' } },
        { header: { name: 'l1/x' }, body: 'x' },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_OCI_UNSAFE_PATH' });
    await expect(
      apply([
        { header: { name: 'self', type: 'symlink', linkname: 'self/self' } },
        { header: { name: 'self/x' }, body: 'x' },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_OCI_UNSAFE_PATH' });
  });

  it('refuses hard links that climb out', async () => {
    await expect(apply([{ header: { name: 'h', type: 'link', linkname: `../../outside/victim` } }])).rejects.toMatchObject({
      code: 'ERR_OCI_UNSAFE_PATH',
    });
  });

  it('does not hard link to an outside file through a symlink', async () => {
    await expect(
      apply([
        { header: { name: 's', type: 'symlink', linkname: outside } },
        { header: { name: 'h', type: 'link', linkname: 's/victim' } },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_OCI_LAYER_FORMAT' });
    expect(existsSync(join(root, 'h'))).toBe(false);
  });

  it('hard linking to a symlink links the symlink itself, not its target', async () => {
    await apply([
      { header: { name: 's', type: 'symlink', linkname: join(outside, 'victim') } },
      { header: { name: 'h', type: 'link', linkname: 's' } },
    ]);
    expect(lstatSync(join(root, 'h')).isSymbolicLink()).toBe(true);
  });

  it('refuses a hard link to a directory', async () => {
    await expect(
      apply([{ header: { name: 'd/', type: 'directory' } }, { header: { name: 'h', type: 'link', linkname: 'd' } }]),
    ).rejects.toMatchObject({ code: 'ERR_OCI_UNSAFE_PATH' });
  });

  it('contains whiteouts under a symlinked parent', async () => {
    await apply([{ header: { name: 's', type: 'symlink', linkname: outside } }]);
    await apply([{ header: { name: 's/.wh.victim' } }, { header: { name: 's/.wh..wh..opq' } }]);
    expect(readlinkSync(join(root, 's'))).toBe(outside);
  });

  it('refuses whiteouts of . and ..', async () => {
    mkdirSync(join(root, 'a'));
    await expect(apply([{ header: { name: 'a/.wh..' } }])).rejects.toMatchObject({ code: 'ERR_OCI_UNSAFE_PATH' });
    await expect(apply([{ header: { name: '.wh...' } }])).rejects.toMatchObject({ code: 'ERR_OCI_UNSAFE_PATH' });
    expect(existsSync(join(root, 'a'))).toBe(true);
  });

  it('a file under a whiteout of its parent lands inside the root, the whiteout is not written', async () => {
    await apply([{ header: { name: 'p/old' }, body: 'old' }]);
    await apply([{ header: { name: '.wh.p' } }, { header: { name: 'p/new' }, body: 'new' }]);
    expect(listAll(root)).toEqual(['p', 'p/new']);
    await apply([{ header: { name: 'q/f' }, body: 'f' }, { header: { name: '.wh.q' } }]);
    expect(listAll(root)).toEqual(['p', 'p/new']);
  });

  it('creates device nodes only inside the root, even under a symlinked parent', async () => {
    await apply([
      { header: { name: 'dev', type: 'symlink', linkname: outside } },
      { header: { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o666 } },
    ]);
    expect(lstatSync(join(root, outside, 'sda')).isBlockDevice()).toBe(true);
  });

  it('fails cleanly on huge names and on oversized PAX records', async () => {
    const huge = `${'a'.repeat(300)}/${'b'.repeat(5000)}`;
    await expect(apply([{ header: { name: huge }, body: 'x' }])).rejects.toMatchObject({ code: 'ERR_OCI_LAYER_APPLY', message: expect.stringMatching(/ENAMETOOLONG/) });
    const pax = encodeHeader({ name: 'x'.repeat(2 * 1024 * 1024), type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 });
    await expect(applyLayer(root, streamOf(Buffer.concat([pax, END_OF_ARCHIVE]), 65536))).rejects.toMatchObject({ code: 'ERR_OCI_LAYER_FORMAT' });
  });

  it('fails cleanly on a truncated gzip layer', async () => {
    const gz = gzipSync(await tarOf([{ header: { name: 'big' }, body: 'z'.repeat(200_000) }]));
    const tar = await decompressStream(Readable.from([gz.subarray(0, gz.length >> 1)]), 'gzip');
    await expect(applyLayer(root, tar)).rejects.toMatchObject({ code: expect.stringMatching(/ERR_OCI_(DECOMPRESS|LAYER_TRUNCATED)/) });
  });

  it('stops a tar bomb of 100k empty files at the entry limit', async () => {
    const header = (i: number) => encodeHeader({ name: `bomb/${i}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 });
    function* blocks() {
      for (let i = 0; i < 100_000; i += 1000) yield Buffer.concat(Array.from({ length: 1000 }, (_, j) => header(i + j)));
      yield END_OF_ARCHIVE;
    }
    const gz = gzipSync(Buffer.concat([...blocks()]));
    expect(gz.length).toBeLessThan(2_000_000);
    const tar = await decompressStream(Readable.from([gz]), 'gzip');
    await expect(applyLayer(root, tar, { maxEntries: 5000 })).rejects.toMatchObject({ code: 'ERR_OCI_LAYER_LIMIT' });
    expect(listAll(join(root, 'bomb')).length).toBe(5000);
  });
});
