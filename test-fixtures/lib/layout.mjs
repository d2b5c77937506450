// A minimal OCI image layout writer (image-spec image-layout.md), written
// without the ocikit library on purpose.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipDeterministic, tarArchive } from './archive.mjs';

export const MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  empty: 'application/vnd.oci.empty.v1+json',
};

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const FIXED_CREATED = '2024-01-01T00:00:00Z';

export function sha256(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Starts an empty layout at dir (removing whatever was there). */
export async function createLayout(dir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return dir;
}

/** Stores bytes as a blob and returns its descriptor. */
export async function putBlob(dir, bytes, mediaType, extra = {}) {
  const digest = sha256(bytes);
  const path = join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  if (!existsSync(path)) await writeFile(path, bytes);
  return { mediaType, digest, size: bytes.length, ...extra };
}

export async function putJson(dir, value, mediaType, extra = {}) {
  return putBlob(dir, Buffer.from(JSON.stringify(value)), mediaType, extra);
}

/** Builds a gzip layer from entry specs; returns its descriptor and diffID. */
export async function putLayer(dir, specs) {
  const tarBytes = await tarArchive(specs);
  const descriptor = await putBlob(dir, gzipDeterministic(tarBytes), MEDIA_TYPES.layerGzip);
  return { descriptor, diffId: sha256(tarBytes), tarBytes };
}

/**
 * Writes config and manifest of one image.
 * layers: results of putLayer; history: entries, empty_layer ones included.
 */
export async function putImage(dir, { platform, config = {}, layers, history, annotations }) {
  const configValue = {
    created: FIXED_CREATED,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: history.map((entry) => ({ created: FIXED_CREATED, ...entry })),
  };
  const configDescriptor = await putJson(dir, configValue, MEDIA_TYPES.config);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: configDescriptor,
    layers: layers.map((layer) => layer.descriptor),
    ...(annotations ? { annotations } : {}),
  };
  const descriptor = await putJson(dir, manifest, MEDIA_TYPES.manifest);
  return { descriptor, manifest, config: configValue, configDescriptor };
}

/** Writes index.json, tagging each descriptor with its ref name. */
export async function writeIndexJson(dir, tagged) {
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: tagged.map(({ tag, descriptor }) => ({
      ...descriptor,
      annotations: { ...(descriptor.annotations ?? {}), [REF_NAME]: tag },
    })),
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  return index;
}

/** What a test needs to know of a single-platform image tagged in a layout (layers as put by putLayer). */
export function taggedImage(dir, tag, image, layers) {
  return {
    layout: dir,
    tag,
    ref: ociReference(dir, tag),
    manifestDigest: image.descriptor.digest,
    configDigest: image.configDescriptor.digest,
    layers: layers.map((layer) => ({ digest: layer.descriptor.digest, diffId: layer.diffId, size: layer.descriptor.size })),
    platform: hostPlatform(),
  };
}

/** The reference grammar of ocikit and skopeo: oci:PATH:TAG. */
export function ociReference(dir, tag) {
  return `oci:${dir}:${tag}`;
}

/** Host platform in OCI terms (busybox is a host binary). */
export function hostPlatform() {
  const architectures = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  const architecture = architectures[process.arch] ?? process.arch;
  return { os: 'linux', architecture, ...(architecture === 'arm64' ? { variant: 'v8' } : {}) };
}
