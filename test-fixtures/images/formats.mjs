// (e) other manifest forms: in an OCI layout, an image with an uncompressed
// tar layer and a nested index (an index whose child is an index); in
// skopeo's dir: format, a Docker schema2 image and a Docker manifest list.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipDeterministic, tarArchive } from '../lib/archive.mjs';
import { FIXED_CREATED, MEDIA_TYPES, createLayout, hostPlatform, ociReference, putBlob, putJson, sha256, writeIndexJson } from '../lib/layout.mjs';

export const DOCKER_MEDIA_TYPES = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  list: 'application/vnd.docker.distribution.manifest.list.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

function configFor(platform, diffId, label) {
  return {
    created: FIXED_CREATED,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Cmd: ['/bin/true'], Labels: { 'org.ocikit.fixture': label } },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: FIXED_CREATED, created_by: `fixture: ${label}` }],
  };
}

/** skopeo's dir: format: manifest.json, blobs by sha256 hex, a version file. */
async function createDir(dir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
}

async function putDirBlob(dir, bytes, mediaType, name) {
  const digest = sha256(bytes);
  await writeFile(join(dir, name ?? digest.slice('sha256:'.length)), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** One Docker schema2 image's blobs in a dir:; returns its manifest bytes. */
async function dockerImage(dir, platform, text) {
  const tar = await tarArchive([{ path: 'etc', type: 'dir' }, { path: 'etc/format', type: 'file', content: text }]);
  const layer = await putDirBlob(dir, gzipDeterministic(tar), DOCKER_MEDIA_TYPES.layerGzip);
  const configBytes = Buffer.from(JSON.stringify(configFor(platform, sha256(tar), 'docker-v2s2')));
  const config = await putDirBlob(dir, configBytes, DOCKER_MEDIA_TYPES.config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MEDIA_TYPES.manifest, config, layers: [layer] }));
  return { manifest, digest: sha256(manifest), layer, config, diffId: sha256(tar) };
}

export async function buildFormats(dir) {
  const host = hostPlatform();
  // OCI layout: uncompressed layer, nested index.
  const layout = join(dir, 'layout');
  await createLayout(layout);
  const tar = await tarArchive([{ path: 'plain.txt', type: 'file', content: 'an uncompressed layer\n' }]);
  const plainLayer = await putBlob(layout, tar, OCI_LAYER_TAR);
  const plainConfig = await putJson(layout, configFor(host, sha256(tar), 'uncompressed'), MEDIA_TYPES.config);
  const plain = await putJson(layout, { schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config: plainConfig, layers: [plainLayer] }, MEDIA_TYPES.manifest);
  const inner = await putJson(layout, { schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [{ ...plain, platform: host }] }, MEDIA_TYPES.index);
  const outer = await putJson(layout, { schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [inner] }, MEDIA_TYPES.index);
  await writeIndexJson(layout, [
    { tag: 'uncompressed', descriptor: plain },
    { tag: 'nested', descriptor: outer },
  ]);

  // dir: with a Docker schema2 image.
  const dockerDir = join(dir, 'docker-v2s2');
  await createDir(dockerDir);
  const docker = await dockerImage(dockerDir, host, 'docker schema2\n');
  await writeFile(join(dockerDir, 'manifest.json'), docker.manifest);

  // dir: with a Docker manifest list; children as HEX.manifest.json.
  const listDir = join(dir, 'docker-list');
  await createDir(listDir);
  const platforms = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }];
  const children = [];
  for (const platform of platforms) {
    const image = await dockerImage(listDir, platform, `docker schema2 ${platform.architecture}\n`);
    await writeFile(join(listDir, `${image.digest.slice('sha256:'.length)}.manifest.json`), image.manifest);
    children.push({ mediaType: DOCKER_MEDIA_TYPES.manifest, digest: image.digest, size: image.manifest.length, platform });
  }
  const listBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MEDIA_TYPES.list, manifests: children }));
  await writeFile(join(listDir, 'manifest.json'), listBytes);

  return {
    layout,
    uncompressed: { ref: ociReference(layout, 'uncompressed'), manifestDigest: plain.digest, layerDigest: plainLayer.digest, diffId: sha256(tar) },
    nested: { ref: ociReference(layout, 'nested'), outerDigest: outer.digest, innerDigest: inner.digest, imageDigest: plain.digest },
    dockerV2s2: {
      dir: dockerDir,
      ref: `dir:${dockerDir}`,
      manifestDigest: docker.digest,
      configDigest: docker.config.digest,
      layerDigest: docker.layer.digest,
      diffId: docker.diffId,
      platform: host,
    },
    dockerList: {
      dir: listDir,
      ref: `dir:${listDir}`,
      digest: sha256(listBytes),
      manifests: children.map(({ digest, platform }) => ({ digest, platform })),
    },
  };
}
