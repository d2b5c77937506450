import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  copyReference,
  digestOf,
  gcLayout,
  localTransports,
  OciLayout,
  parseReference,
  readArtifact,
  readImage,
  validateLayout,
  artifactFromRaw,
  OciLayoutSource,
} from '@ocikit/oci-image';
import { tempDir, testImage, writeToLayout } from './support.js';

async function layoutReport(dir: string) {
  const layout = new OciLayout(dir);
  const source = new OciLayoutSource(layout, undefined, `oci:${dir}`);
  return validateLayout(layout, async (d) => artifactFromRaw(source, { bytes: await layout.readBlob(d.digest), digest: d.digest, mediaType: d.mediaType }));
}

describe('OCI layout', async () => {
  const root = await tempDir();

  it('writes an image that reads back byte for byte and validates', async () => {
    const dir = join(root, 'a');
    const image = await testImage([{ 'etc/': '', 'etc/hello': 'hi' }, { 'etc/more': 'x' }]);
    const digest = await writeToLayout(image, dir, 'v1');
    const parsed = parseReference(`oci:${dir}:v1`, localTransports);
    const source = await parsed.transport.openSource(parsed.value);
    const read = await readImage(source);
    expect(await read.digest()).toBe(digest);
    expect(await read.rawManifest()).toEqual(await image.rawManifest());
    expect((await read.config()).config?.Env).toEqual(['PATH=/usr/bin:/bin']);
    const layers = await read.layers();
    expect(layers).toHaveLength(2);
    expect(await layers[0]!.diffId()).toBe((await image.config()).rootfs.diff_ids[0]);
    expect((await read.config()).history).toHaveLength(2);
    const report = await layoutReport(dir);
    expect(report.problems).toEqual([]);
  });

  it('opens an existing layout without waiting for a writer that holds the index lock', async () => {
    const dir = join(root, 'held');
    await OciLayout.init(dir);
    // A live writer's lock (fresh, so not stale for 10 s): reading must not queue behind it.
    await mkdir(join(dir, '.ocikit-index.lock'));
    const started = Date.now();
    await OciLayout.init(dir);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'))).toMatchObject({ schemaVersion: 2 });
  });

  it('tags, untags and collects garbage', async () => {
    const dir = join(root, 'b');
    await writeToLayout(await testImage([{ a: '1' }]), dir, 'one');
    await writeToLayout(await testImage([{ b: '2' }]), dir, 'two');
    const layout = new OciLayout(dir);
    const one = await layout.findRef('one');
    await layout.tag('uno', { mediaType: one!.mediaType, digest: one!.digest, size: one!.size });
    expect((await layout.findRef('uno'))?.digest).toBe(one!.digest);
    expect(await layout.untag('two')).toBe(true);
    expect(await layout.untag('two')).toBe(false);
    const before = (await readdir(join(dir, 'blobs/sha256'))).length;
    const result = await gcLayout(layout);
    expect(result.removed).toHaveLength(3); // manifest, config and layer of "two"
    expect((await readdir(join(dir, 'blobs/sha256'))).length).toBe(before - 3);
    expect((await layoutReport(dir)).problems).toEqual([]);
  });

  it('refuses a blob whose bytes do not match, leaving nothing under its name', async () => {
    const dir = join(root, 'c');
    const layout = await OciLayout.init(dir);
    const claimed = { digest: digestOf('expected'), size: 8 };
    await expect(layout.putBlob(claimed, Readable.from([Buffer.from('tampered')]))).rejects.toMatchObject({ code: 'ERR_OCI_DIGEST_MISMATCH' });
    await expect(layout.putBlob(claimed, Readable.from([Buffer.from('too long!!')]))).rejects.toMatchObject({ code: 'ERR_OCI_SIZE_MISMATCH' });
    expect(await readdir(join(dir, 'blobs/sha256'))).toEqual([]);
    await layout.putBlob(claimed, Readable.from([Buffer.from('expected')]));
    await layout.putBlob(claimed, Readable.from([Buffer.from('expected')]));
    expect(await readdir(join(dir, 'blobs/sha256'))).toEqual([claimed.digest.slice(7)]);
  });

  it('detects a corrupted blob on read', async () => {
    const dir = join(root, 'd');
    const image = await testImage([{ f: 'content' }]);
    await writeToLayout(image, dir, 'x');
    const layerDigest = (await image.manifest()).layers[0]!.digest;
    const path = join(dir, 'blobs/sha256', layerDigest.slice(7));
    const bytes = await readFile(path);
    bytes[bytes.length - 5] ^= 0xff;
    await writeFile(path, bytes);
    const report = await layoutReport(dir);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/ERR_OCI_DIGEST_MISMATCH/);
  });

  it('copies through dir: and oci-archive: keeping every digest', async () => {
    const dir = join(root, 'e');
    const digest = await writeToLayout(await testImage([{ x: 'y' }, { z: 'w' }]), dir, 'src');
    const viaDir = await copyReference(`oci:${dir}:src`, `dir:${join(root, 'e-dir')}`, localTransports);
    expect(viaDir.digest).toBe(digest);
    const archive = join(root, 'e.tar');
    const viaArchive = await copyReference(`dir:${join(root, 'e-dir')}`, `oci-archive:${archive}:t`, localTransports);
    expect(viaArchive.reference).toBe(`oci-archive:${archive}:t@${digest}`);
    // a second ref in the same archive keeps the first
    await copyReference(`oci:${dir}:src`, `oci-archive:${archive}:t2`, localTransports);
    const back = await copyReference(`oci-archive:${archive}:t`, `oci:${join(root, 'e-back')}:t`, localTransports);
    expect(back.digest).toBe(digest);
    const t2 = parseReference(`oci-archive:${archive}:t2`, localTransports);
    const src = await t2.transport.openSource(t2.value);
    expect(await (await readArtifact(src)).digest()).toBe(digest);
    await src.close();
  });

  it('prints, for a write without a ref, a reference that reads back that image', async () => {
    const dir = join(root, 'g');
    const digest = await writeToLayout(await testImage([{ g: 'h' }]), dir, 'src');
    for (const to of [`oci:${join(root, 'g-norefs')}`, `oci-archive:${join(root, 'g.tar')}`]) {
      const written = await copyReference(`oci:${dir}:src`, to, localTransports);
      expect(written.reference).toBe(`${to}:@${digest}`);
      const parsed = parseReference(written.reference, localTransports);
      const source = await parsed.transport.openSource(parsed.value);
      expect(await (await readArtifact(source)).digest()).toBe(digest);
      await source.close();
    }
  });

  it('gives one clear error for a broken index.json and a missing layout', async () => {
    const dir = join(root, 'f');
    await writeToLayout(await testImage([{ a: 'b' }]), dir, 'ok');
    await writeFile(join(dir, 'index.json'), '{"schemaVersion": 2, "manifests": [{"digest": 5}]}');
    const parsed = parseReference(`oci:${dir}:ok`, localTransports);
    const source = await parsed.transport.openSource(parsed.value);
    await expect(readArtifact(source)).rejects.toMatchObject({ code: 'ERR_OCI_LAYOUT', message: expect.stringMatching(/manifests\/0/) });
    await writeFile(join(dir, 'index.json'), '{not json');
    await expect(readArtifact(await parsed.transport.openSource(parsed.value))).rejects.toMatchObject({ code: 'ERR_OCI_INVALID_JSON' });
    const missing = parseReference(`oci:${join(root, 'nothing')}:x`, localTransports);
    await expect(readArtifact(await missing.transport.openSource(missing.value))).rejects.toMatchObject({ code: 'ERR_OCI_LAYOUT' });
  });
});
