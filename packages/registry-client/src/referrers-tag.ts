import { MediaTypes, digestOf, type Descriptor, type Index, type RawManifest } from '@ocikit/oci-image';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { referrersTag } from './listing.js';
import { getManifest, putManifest } from './manifests.js';

/**
 * Keep the referrers tag schema (distribution-spec v1.1) for registries
 * without the referrers API: the index tagged sha256-<subject hex> lists
 * every manifest whose subject is that digest.
 */
export async function updateReferrersTag(client: RegistryClient, repository: string, manifest: RawManifest, signal?: AbortSignal): Promise<void> {
  let doc: { subject?: Descriptor; artifactType?: string; config?: Descriptor; annotations?: Record<string, string> };
  try {
    doc = JSON.parse(manifest.bytes.toString('utf8'));
  } catch {
    return;
  }
  if (!doc.subject?.digest) return;
  const tag = referrersTag(doc.subject.digest);
  let index: Index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };
  try {
    index = JSON.parse((await getManifest(client, repository, tag, signal)).bytes.toString('utf8')) as Index;
  } catch (error) {
    if (!(error instanceof RegistryError && error.status === 404)) throw error;
  }
  if (index.manifests.some((d) => d.digest === manifest.digest)) return;
  const entry: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
  const artifactType = doc.artifactType ?? doc.config?.mediaType;
  if (artifactType) entry.artifactType = artifactType;
  if (doc.annotations) entry.annotations = doc.annotations;
  const next: Index = { ...index, manifests: [...index.manifests, entry] };
  const bytes = Buffer.from(JSON.stringify(next));
  await putManifest(client, repository, tag, { bytes, mediaType: MediaTypes.ociIndex, digest: digestOf(bytes) }, signal);
}
