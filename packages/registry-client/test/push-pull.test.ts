import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DigestingStream, MediaTypes, OciLayout, readImage, withRef } from '@ocikit/oci-image';
import { copyImage, getManifest, listTags } from '@ocikit/registry-client';
import { makeTestImage } from './support/images.js';
import { useRegistry } from './support/registry-suite.js';

describe('push and pull against the real registry (anonymous)', () => {
  const suite = useRegistry({}, 'ocikit-rc-');

  it('pushes an OCI layout and pulls it back with every digest kept', async () => {
    const image = await makeTestImage(join(suite.work, 'src'), 'v1', { layers: 3, layerSize: 300_000 });
    const pushed = await copyImage(`oci:${join(suite.work, 'src')}:v1`, `docker://${suite.registry.host}/app/one:v1`, { sourceTransports: suite.transports, destinationTransports: suite.transports });
    expect(pushed.reference).toBe(`docker://${suite.registry.host}/app/one:v1@${image.manifest.digest}`);
    expect(pushed.blobsCopied).toBe(4);
    const client = await suite.docker.client(suite.registry.host);
    const raw = await getManifest(client, 'app/one', 'v1');
    expect(raw.bytes.equals(image.manifestBytes)).toBe(true);
    expect(await listTags(client, 'app/one')).toEqual(['v1']);

    const pulled = await copyImage(`docker://${suite.registry.host}/app/one:v1`, `oci:${join(suite.work, 'dst')}:copy`, { sourceTransports: suite.transports, destinationTransports: suite.transports });
    expect(pulled.digest).toBe(image.manifest.digest);
    const blobs = readdirSync(join(suite.work, 'dst', 'blobs', 'sha256')).sort();
    expect(blobs).toEqual([image.manifest, image.config, ...image.layers].map((d) => d.digest.slice(7)).sort());
    expect(readFileSync(join(suite.work, 'dst', 'blobs', 'sha256', image.manifest.digest.slice(7))).equals(image.manifestBytes)).toBe(true);

    const again = await copyImage(`oci:${join(suite.work, 'src')}:v1`, `docker://${suite.registry.host}/app/one:v1`, { sourceTransports: suite.transports, destinationTransports: suite.transports });
    expect(again.blobsCopied).toBe(0);
    expect(again.blobsSkipped).toBe(4);
  });

  it('re-compresses layers on request (--dest-compress-format) keeping the uncompressed content', async () => {
    const image = await makeTestImage(join(suite.work, 'plain'), 'v1', { layers: 2, layerSize: 200_000 });
    const pushed = await copyImage(`oci:${join(suite.work, 'plain')}:v1`, `docker://${suite.registry.host}/app/zstd:v1`, { sourceTransports: suite.transports, destinationTransports: suite.transports, compressFormat: 'zstd' });
    expect(pushed.digest).not.toBe(image.manifest.digest);
    const source = await suite.docker.openSource(suite.docker.parse(`${suite.registry.host}/app/zstd:v1`, ''));
    const pulled = await readImage(source);
    const manifest = await pulled.manifest();
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([MediaTypes.ociLayerZstd, MediaTypes.ociLayerZstd]);
    const config = await pulled.config();
    for (const [i, layer] of (await pulled.layers()).entries()) {
      expect(layer.compression).toBe('zstd');
      const hasher = new DigestingStream();
      const stream = await layer.uncompressed();
      await new Promise<void>((resolve, reject) => {
        stream.pipe(hasher).on('finish', () => resolve()).on('error', reject);
        hasher.resume();
        stream.on('error', reject);
      });
      expect(hasher.digest()).toBe(config.rootfs.diff_ids[i]);
    }
    await source.close();
  });

  it('pushes to a digest-only reference and refuses a digest that does not match', async () => {
    const image = await makeTestImage(join(suite.work, 'bydigest'), 'v1', { layers: 1 });
    const pushed = await copyImage(`oci:${join(suite.work, 'bydigest')}:v1`, `docker://${suite.registry.host}/app/bydigest@${image.manifest.digest}`, { sourceTransports: suite.transports, destinationTransports: suite.transports });
    expect(pushed.reference).toBe(`docker://${suite.registry.host}/app/bydigest@${image.manifest.digest}`);
    const raw = await getManifest(await suite.docker.client(suite.registry.host), 'app/bydigest', image.manifest.digest);
    expect(raw.bytes.equals(image.manifestBytes)).toBe(true);
    const wrong = `sha256:${'e'.repeat(64)}`;
    await expect(
      copyImage(`oci:${join(suite.work, 'bydigest')}:v1`, `docker://${suite.registry.host}/app/bydigest@${wrong}`, { sourceTransports: suite.transports, destinationTransports: suite.transports }),
    ).rejects.toMatchObject({ code: 'ERR_REGISTRY_DIGEST' });
  });

  it('copies a multi-platform index with --all, and one platform without it', async () => {
    const dir = join(suite.work, 'multi');
    const amd = await makeTestImage(dir, 'amd', { layers: 1 });
    const arm = await makeTestImage(dir, 'arm', { layers: 1, extra: { architecture: 'arm64', variant: 'v8' } });
    const layout = new OciLayout(dir);
    const index = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { ...amd.manifest, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    };
    const indexDescriptor = await layout.putBlobBytes(Buffer.from(JSON.stringify(index)), MediaTypes.ociIndex);
    await layout.updateIndex((i) => withRef(i, 'multi', indexDescriptor));
    const pushed = await copyImage(`oci:${dir}:multi`, `docker://${suite.registry.host}/app/multi:v1`, { sourceTransports: suite.transports, destinationTransports: suite.transports, all: true });
    expect(pushed.digest).toBe(indexDescriptor.digest);
    const raw = await getManifest(await suite.docker.client(suite.registry.host), 'app/multi', 'v1');
    expect(raw.mediaType).toBe(MediaTypes.ociIndex);
    const back = await copyImage(`docker://${suite.registry.host}/app/multi:v1`, `oci:${join(suite.work, 'multi-back')}:m`, { sourceTransports: suite.transports, destinationTransports: suite.transports, all: true });
    expect(back.digest).toBe(indexDescriptor.digest);
    const one = await copyImage(`docker://${suite.registry.host}/app/multi:v1`, `oci:${join(suite.work, 'multi-one')}:m`, {
      sourceTransports: suite.transports,
      destinationTransports: suite.transports,
      platform: { os: 'linux', architecture: 'arm64' },
    });
    expect(one.digest).toBe(arm.manifest.digest);
  });

  it('refuses to push a corrupt blob from the source, and the registry keeps nothing', async () => {
    const dir = join(suite.work, 'corrupt');
    const image = await makeTestImage(dir, 'v1', { layers: 1, layerSize: 50_000 });
    const layer = image.layers[0]!;
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(join(dir, 'blobs', 'sha256', layer.digest.slice(7)), 'r+');
    writeSync(fd, Buffer.from('XXXX'), 0, 4, 100);
    closeSync(fd);
    const error = (await copyImage(`oci:${dir}:v1`, `docker://${suite.registry.host}/app/corrupt:v1`, { sourceTransports: suite.transports, destinationTransports: suite.transports }).catch((e: unknown) => e)) as { code: string };
    expect(error.code).toBe('ERR_OCI_DIGEST_MISMATCH');
    const { headBlob } = await import('@ocikit/registry-client');
    expect(await headBlob(await suite.docker.client(suite.registry.host), 'app/corrupt', layer.digest)).toBeUndefined();
  });
});
