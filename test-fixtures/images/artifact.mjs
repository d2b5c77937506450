// (d) an OCI 1.1 artifact: a manifest with artifactType, the empty config and
// a subject pointing at a small image in the same layout.
import { MEDIA_TYPES, createLayout, hostPlatform, ociReference, putBlob, putImage, putJson, putLayer, writeIndexJson } from '../lib/layout.mjs';

export const ARTIFACT_TYPE = 'application/vnd.ocikit.fixture.sbom.v1+json';
export const ARTIFACT_LAYER_TYPE = 'application/spdx+json';
export const ARTIFACT_CONTENT = '{"spdxVersion":"SPDX-2.3","name":"ocikit-fixture","packages":[]}\n';

export async function buildArtifact(dir, { subjectTag = 'subject', artifactTag = 'sbom' } = {}) {
  await createLayout(dir);
  const layer = await putLayer(dir, [{ path: 'hello.txt', type: 'file', content: 'hello from the subject\n' }]);
  const subject = await putImage(dir, {
    platform: hostPlatform(),
    config: { Cmd: ['/hello.txt'] },
    layers: [layer],
    history: [{ created_by: 'fixture: subject image' }],
  });
  // The empty descriptor of image-spec 1.1: the two bytes "{}".
  const emptyConfig = await putBlob(dir, Buffer.from('{}'), MEDIA_TYPES.empty, { data: 'e30=' });
  const sbom = await putBlob(dir, Buffer.from(ARTIFACT_CONTENT), ARTIFACT_LAYER_TYPE, {
    annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' },
  });
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    artifactType: ARTIFACT_TYPE,
    config: emptyConfig,
    layers: [sbom],
    subject: { mediaType: subject.descriptor.mediaType, digest: subject.descriptor.digest, size: subject.descriptor.size },
    annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
  };
  const artifact = await putJson(dir, manifest, MEDIA_TYPES.manifest, { artifactType: ARTIFACT_TYPE });
  await writeIndexJson(dir, [
    { tag: subjectTag, descriptor: subject.descriptor },
    { tag: artifactTag, descriptor: artifact },
  ]);
  return {
    layout: dir,
    tag: artifactTag,
    ref: ociReference(dir, artifactTag),
    manifestDigest: artifact.digest,
    artifactType: ARTIFACT_TYPE,
    blobDigest: sbom.digest,
    subject: {
      tag: subjectTag,
      ref: ociReference(dir, subjectTag),
      manifestDigest: subject.descriptor.digest,
      size: subject.descriptor.size,
    },
  };
}
