import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyReference, localTransports, MediaTypes, parseReference, readArtifact, type Image, type ImageIndex } from '@ocikit/oci-image';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { mustRun, ociImage, tempDir } from './support.js';

async function open(ref: string): Promise<Image | ImageIndex> {
  const parsed = parseReference(ref, localTransports);
  return readArtifact(await parsed.transport.openSource(parsed.value));
}

/** The fixtures are written by an independent script (test-fixtures/build.mjs), not by this library. */
describe('reading every manifest form the fixtures hold', async () => {
  const fx = await buildFixtures();
  const root = await tempDir();

  it('single images: digests, layers and diff_ids as written', async () => {
    for (const image of [fx.busybox, fx.multilayer]) {
      const read = (await open(image.ref)) as Image;
      expect(await read.digest()).toBe(image.manifestDigest);
      const layers = await read.layers();
      expect(layers.map((l) => l.descriptor.digest)).toEqual(image.layers.map((l) => l.digest));
      for (const [i, layer] of layers.entries()) expect(await layer.diffId()).toBe(image.layers[i]!.diffId);
      expect(ociImage('validate', image.ref).status).toBe(0);
    }
  });

  it('a multi-platform index: each platform, and --all copies keep the index digest', async () => {
    const index = (await open(fx.multiarch.ref)) as ImageIndex;
    expect(index.kind).toBe('index');
    expect(await index.digest()).toBe(fx.multiarch.indexDigest);
    for (const image of fx.multiarch.images) expect(await (await index.image(image.platform)).digest()).toBe(image.manifestDigest);
    const result = await copyReference(fx.multiarch.ref, `oci:${join(root, 'multi')}:all`, localTransports, { all: true });
    expect(result.digest).toBe(fx.multiarch.indexDigest);
    // every distinct blob once (the shared layer too)
    const distinct = new Set(fx.multiarch.images.flatMap((i) => [i.configDigest, ...i.layers]));
    expect(distinct.has(fx.multiarch.sharedLayerDigest)).toBe(true);
    expect(result.blobsCopied).toBe(distinct.size);
  });

  it('an artifact keeps artifactType and subject through a copy, byte for byte', async () => {
    const artifact = (await open(fx.artifact.ref)) as Image;
    const manifest = await artifact.manifest();
    expect(manifest.artifactType).toBe(fx.artifact.artifactType);
    expect(manifest.subject?.digest).toBe(fx.artifact.subject.manifestDigest);
    const copied = await copyReference(fx.artifact.ref, `oci:${join(root, 'artifact')}:a`, localTransports);
    expect(copied.digest).toBe(fx.artifact.manifestDigest);
    expect(ociImage('manifest', `oci:${join(root, 'artifact')}:a`).stdout).toBe((await artifact.rawManifest()).toString());
  });

  it('uncompressed layers, nested indexes, Docker schema2 and manifest lists', async () => {
    const plain = (await open(fx.formats.uncompressed.ref)) as Image;
    expect(await (await plain.layers())[0]!.diffId()).toBe(fx.formats.uncompressed.diffId);
    const nested = (await open(fx.formats.nested.ref)) as ImageIndex;
    expect(await (await nested.image()).digest()).toBe(fx.formats.nested.imageDigest);
    const docker = (await open(fx.formats.dockerV2s2.ref)) as Image;
    expect(await docker.mediaType()).toBe(MediaTypes.dockerManifest);
    expect(await docker.digest()).toBe(fx.formats.dockerV2s2.manifestDigest);
    expect((await docker.layers())[0]!.compression).toBe('gzip');
    const list = (await open(fx.formats.dockerList.ref)) as ImageIndex;
    expect(await list.mediaType()).toBe(MediaTypes.dockerManifestList);
    for (const m of fx.formats.dockerList.manifests) expect(await (await list.image(m.platform)).digest()).toBe(m.digest);
    // Docker schema2 copied to an OCI layout keeps its bytes and digest (as crane does)...
    const out = join(root, 'docker');
    expect((await copyReference(fx.formats.dockerV2s2.ref, `oci:${out}:d`, localTransports)).digest).toBe(fx.formats.dockerV2s2.manifestDigest);
    expect(await ((await open(`oci:${out}:d`)) as Image).digest()).toBe(fx.formats.dockerV2s2.manifestDigest);
    // ...or is converted to OCI on request (as skopeo does), same layers, and skopeo reads it
    const converted = ociImage('copy', '--manifest-format', 'oci', fx.formats.dockerV2s2.ref, `oci:${out}:converted`);
    expect(converted.status).toBe(0);
    const inspected = JSON.parse(mustRun('skopeo', ['inspect', `oci:${out}:converted`]));
    expect(inspected.Digest).toBe(converted.stdout.trim().split('@')[1]);
    expect(inspected.Layers).toEqual([fx.formats.dockerV2s2.layerDigest]);
    const skopeoConverted = join(root, 'skopeo-converted');
    mustRun('skopeo', ['copy', '--quiet', '--format', 'oci', fx.formats.dockerV2s2.ref, `oci:${skopeoConverted}:c`]);
    expect(JSON.parse(mustRun('skopeo', ['inspect', '--raw', `oci:${skopeoConverted}:c`])).layers.map((l: { mediaType: string }) => l.mediaType)).toEqual(
      JSON.parse(ociImage('manifest', `oci:${out}:converted`).stdout).layers.map((l: { mediaType: string }) => l.mediaType),
    );
  });

  it('reads an image skopeo converted to Docker schema2', async () => {
    const dir = join(root, 'v2s2');
    mustRun('skopeo', ['copy', '--quiet', '--format', 'v2s2', fx.multilayer.ref, `dir:${dir}`]);
    const image = (await open(`dir:${dir}`)) as Image;
    expect(await image.mediaType()).toBe(MediaTypes.dockerManifest);
    expect((await image.config()).rootfs.diff_ids).toEqual(fx.multilayer.layers.map((l) => l.diffId));
    expect(ociImage('validate', `dir:${dir}`).status).toBe(0);
  });
});
