import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeHeader, END_OF_ARCHIVE, readLayerEntries, type LayerEntry } from '@ocikit/oci-image';
import { tempDir } from './support.js';
import { streamOf, tarOf } from './layers-support.js';

async function entriesOf(tar: Buffer | Readable, pieceSize?: number): Promise<Array<LayerEntry & { content: string }>> {
  const out: Array<LayerEntry & { content: string }> = [];
  const stream = Buffer.isBuffer(tar) ? streamOf(tar, pieceSize) : tar;
  for await (const entry of readLayerEntries(stream)) {
    const chunks: Buffer[] = [];
    if (entry.path.endsWith('keep')) for await (const c of entry.body()) chunks.push(c);
    out.push({ ...entry, content: Buffer.concat(chunks).toString() });
  }
  return out;
}

describe('readLayerEntries', async () => {
  const dir = await tempDir();

  it('reads every entry type, normalising names, across awkward chunk boundaries', async () => {
    const tar = await tarOf([
      { header: { name: './etc/', type: 'directory', mode: 0o755 } },
      { header: { name: './etc/keep', mode: 0o4755, uid: 12, gid: 34 }, body: 'hello world' },
      { header: { name: '/etc/skipped' }, body: 'x'.repeat(5000) },
      { header: { name: 'etc/link', type: 'symlink', linkname: '../keep' } },
      { header: { name: 'etc/hard', type: 'link', linkname: './etc/keep' } },
      { header: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 } },
      { header: { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 } },
      { header: { name: 'run/fifo', type: 'fifo' } },
      { header: { name: 'last/keep' }, body: 'end' },
    ]);
    for (const piece of [7, 512, 100000]) {
      const entries = await entriesOf(tar, piece);
      expect(entries.map((e) => [e.path, e.type])).toEqual([
        ['etc', 'dir'],
        ['etc/keep', 'file'],
        ['etc/skipped', 'file'],
        ['etc/link', 'symlink'],
        ['etc/hard', 'hardlink'],
        ['dev/null', 'char'],
        ['dev/sda', 'block'],
        ['run/fifo', 'fifo'],
        ['last/keep', 'file'],
      ]);
      const keep = entries[1]!;
      expect([keep.mode, keep.uid, keep.gid, keep.size, keep.content]).toEqual([0o4755, 12, 34, 11, 'hello world']);
      expect(keep.mtime.getTime()).toBe(1_600_000_000_000);
      expect(entries[2]!.size).toBe(5000);
      expect(entries[3]!.linkname).toBe('../keep');
      expect(entries[4]!.linkname).toBe('etc/keep');
      expect([entries[5]!.devmajor, entries[5]!.devminor]).toEqual([1, 3]);
      expect(entries[8]!.content).toBe('end');
    }
  });

  it('reads long names and long link targets from tar-stream (PAX) and GNU tar (././@LongLink)', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const target = `/${'t'.repeat(300)}`;
    const paxTar = await tarOf([{ header: { name: long }, body: 'x' }, { header: { name: 'l', type: 'symlink', linkname: target } }]);
    const fromPax = await entriesOf(paxTar);
    expect(fromPax.map((e) => e.path)).toEqual([long, 'l']);
    expect(fromPax[1]!.linkname).toBe(target);

    mkdirSync(join(dir, 'gnu', 'd'.repeat(120)), { recursive: true });
    writeFileSync(join(dir, 'gnu', long), 'x');
    execFileSync('ln', ['-s', target, join(dir, 'gnu', 'l')]);
    const gnuTar = execFileSync('tar', ['--format=gnu', '-C', join(dir, 'gnu'), '-cf', '-', long, 'l']);
    const fromGnu = await entriesOf(gnuTar);
    expect(fromGnu.map((e) => e.path)).toEqual([long, 'l']);
    expect(fromGnu[1]!.linkname).toBe(target);
  });

  it('keeps binary xattr values intact (PAX SCHILY.xattr written by GNU tar)', async () => {
    const file = join(dir, 'cap');
    writeFileSync(file, 'binary');
    const capability = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // invalid UTF-8 bytes included below
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]);
    execFileSync('setfattr', ['-n', 'security.capability', '-v', `0s${capability.toString('base64')}`, file]);
    execFileSync('setfattr', ['-n', 'user.bin', '-v', `0s${binary.toString('base64')}`, file]);
    const tar = execFileSync('tar', ['--format=posix', '--xattrs', "--xattrs-include=*", '-C', dir, '-cf', '-', 'cap']);
    const [entry] = await entriesOf(tar);
    expect(entry!.xattrs.get('security.capability')).toEqual(capability);
    expect(entry!.xattrs.get('user.bin')).toEqual(binary);
  });

  it('reads uid/gid above 2097151 from GNU base-256 and from PAX', async () => {
    writeFileSync(join(dir, 'big'), 'x');
    for (const format of ['gnu', 'posix']) {
      const tar = execFileSync('tar', [`--format=${format}`, '--owner=3000000', '--group=4000000', '-C', dir, '-cf', '-', 'big']);
      const [entry] = await entriesOf(tar);
      expect([entry!.uid, entry!.gid]).toEqual([3000000, 4000000]);
    }
  });

  it('reads what our own writer encodes, PAX included', async () => {
    const xattrs = new Map([['user.k', Buffer.from([0, 255, 10, 61])]]);
    const name = `ünïcode/${'n'.repeat(200)}`;
    const tar = Buffer.concat([
      encodeHeader({ name, type: 'file', mode: 0o640, uid: 5000000, gid: 7, size: 3, mtime: 1234, xattrs }),
      Buffer.from('abc'),
      Buffer.alloc(509),
      END_OF_ARCHIVE,
    ]);
    const [entry] = await entriesOf(tar, 33);
    expect([entry!.path, entry!.uid, entry!.gid, entry!.mode, entry!.size, entry!.mtime.getTime()]).toEqual([name, 5000000, 7, 0o640, 3, 1234000]);
    expect(entry!.xattrs.get('user.k')).toEqual(Buffer.from([0, 255, 10, 61]));
    // GNU tar agrees on what we wrote.
    writeFileSync(join(dir, 'ours.tar'), tar);
    expect(execFileSync('tar', ['-tf', join(dir, 'ours.tar')], { encoding: 'utf8' }).trim()).toBe(name);
  });

  it('reads an old-style directory (typeflag NUL, trailing slash)', async () => {
    const header = encodeHeader({ name: 'old/', type: 'file', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 });
    header[156] = 0;
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    const [entry] = await entriesOf(Buffer.concat([header, END_OF_ARCHIVE]));
    expect([entry!.path, entry!.type]).toEqual(['old', 'dir']);
  });

  it('reads a body whole with readAll(), once', async () => {
    const tar = await tarOf([{ header: { name: 'a' }, body: 'x'.repeat(3000) }, { header: { name: 'b' }, body: 'second' }]);
    const seen: string[] = [];
    for await (const entry of readLayerEntries(streamOf(tar, 700))) {
      seen.push((await entry.readAll()).toString());
      expect(() => entry.body()).toThrow(/read twice/);
    }
    expect(seen).toEqual(['x'.repeat(3000), 'second']);
  });

  it('fails clearly on a truncated tar and on a corrupt header', async () => {
    const tar = await tarOf([{ header: { name: 'a' }, body: 'x'.repeat(2000) }]);
    await expect(entriesOf(tar.subarray(0, 1500))).rejects.toMatchObject({ code: 'ERR_OCI_LAYER_TRUNCATED' });
    const corrupt = Buffer.from(tar);
    corrupt[10] = 0x41;
    await expect(entriesOf(corrupt)).rejects.toMatchObject({ code: 'ERR_OCI_LAYER_FORMAT' });
    await expect(entriesOf(readFileSync(new URL(import.meta.url)))).rejects.toMatchObject({ code: 'ERR_OCI_LAYER_FORMAT' });
  });
});
