// (c) a multi-platform index: linux/amd64 and linux/arm64/v8 images that
// share one layer and differ in another.
import { MEDIA_TYPES, createLayout, ociReference, putImage, putJson, putLayer, writeIndexJson } from '../lib/layout.mjs';

export const MULTIARCH_PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

export function platformString({ os, architecture, variant }) {
  return [os, architecture, variant].filter(Boolean).join('/');
}

export async function buildMultiArch(dir, { tag = 'latest' } = {}) {
  await createLayout(dir);
  const shared = await putLayer(dir, [
    { path: 'etc', type: 'dir' },
    { path: 'etc/shared.txt', type: 'file', content: 'same bytes on every platform\n' },
  ]);
  const images = [];
  for (const platform of MULTIARCH_PLATFORMS) {
    const own = await putLayer(dir, [
      { path: 'etc', type: 'dir' },
      { path: 'etc/platform', type: 'file', content: `${platformString(platform)}\n` },
    ]);
    const image = await putImage(dir, {
      platform,
      config: { Cmd: ['/bin/true'], Labels: { 'org.ocikit.fixture': 'multiarch' } },
      layers: [shared, own],
      history: [{ created_by: 'fixture: shared layer' }, { created_by: `fixture: ${platformString(platform)} layer` }],
    });
    images.push({ platform, image });
  }
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: images.map(({ platform, image }) => ({ ...image.descriptor, platform })),
    annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
  };
  const indexDescriptor = await putJson(dir, index, MEDIA_TYPES.index);
  await writeIndexJson(dir, [{ tag, descriptor: indexDescriptor }]);
  return {
    layout: dir,
    tag,
    ref: ociReference(dir, tag),
    indexDigest: indexDescriptor.digest,
    sharedLayerDigest: shared.descriptor.digest,
    images: images.map(({ platform, image }) => ({
      platform,
      manifestDigest: image.descriptor.digest,
      configDigest: image.configDescriptor.digest,
      layers: image.manifest.layers.map((layer) => layer.digest),
    })),
  };
}
