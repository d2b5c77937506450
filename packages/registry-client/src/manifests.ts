import { digestOf, MANIFEST_MEDIA_TYPES, parseDigest, sniffManifestMediaType, DigestMismatchError, type RawManifest } from '@ocikit/oci-image';
import { deleteScope, pullScope, pushScope, type RegistryClient } from './client.js';
import { discardBody } from './http.js';

/** Manifests larger than this are refused (the distribution spec suggests 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

function isDigestRef(reference: string): boolean {
  return reference.includes(':');
}

/** Check the bytes against the digest we asked for, or the one the registry claims. */
function verifiedDigest(bytes: Buffer, reference: string, claimed: string | null): string {
  if (isDigestRef(reference)) {
    const actual = digestOf(bytes, parseDigest(reference).algorithm);
    if (actual !== reference) throw new DigestMismatchError(reference, actual, 'manifest');
    return reference;
  }
  const actual = digestOf(bytes);
  if (claimed && claimed.startsWith('sha256:') && claimed !== actual) throw new DigestMismatchError(claimed, actual, 'manifest (Docker-Content-Digest)');
  return actual;
}

/** GET a manifest or index by tag or digest, verified; bytes kept exactly as sent. */
export async function getManifest(client: RegistryClient, repository: string, reference: string, signal?: AbortSignal): Promise<RawManifest> {
  const { bytes, response } = await client.getBytes(
    { path: `/v2/${repository}/manifests/${reference}`, headers: { accept: ACCEPT }, scopes: [pullScope(repository)], expect: [200], signal },
    MAX_MANIFEST_BYTES,
  );
  const digest = verifiedDigest(bytes, reference, response.header('docker-content-digest'));
  const contentType = response.header('content-type')?.split(';')[0]?.trim();
  const mediaType = contentType && MANIFEST_MEDIA_TYPES.includes(contentType) ? contentType : sniffManifestMediaType(bytes);
  return { bytes, mediaType, digest };
}

export interface ManifestHead {
  digest: string;
  mediaType: string | undefined;
  size: number | undefined;
}

/** HEAD a manifest; undefined when the registry does not have it. */
export async function headManifest(client: RegistryClient, repository: string, reference: string, signal?: AbortSignal): Promise<ManifestHead | undefined> {
  const response = await client.request({
    method: 'HEAD',
    path: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: ACCEPT },
    scopes: [pullScope(repository)],
    expect: [200, 404],
    signal,
  });
  discardBody(response);
  if (response.status === 404) return undefined;
  const digest = response.header('docker-content-digest') ?? (isDigestRef(reference) ? reference : undefined);
  if (!digest) {
    // No digest header: fetch the bytes to learn it.
    const raw = await getManifest(client, repository, reference, signal);
    return { digest: raw.digest, mediaType: raw.mediaType, size: raw.bytes.length };
  }
  const length = response.header('content-length');
  return { digest, mediaType: response.header('content-type') ?? undefined, size: length ? Number(length) : undefined };
}

/** PUT a manifest under a tag or its digest; returns the response headers we care about. */
export async function putManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  manifest: RawManifest,
  signal?: AbortSignal,
): Promise<{ digest: string; subjectHeader: string | null }> {
  const response = await client.request({
    method: 'PUT',
    path: `/v2/${repository}/manifests/${reference}`,
    headers: { 'content-type': manifest.mediaType },
    body: manifest.bytes,
    scopes: [pushScope(repository)],
    expect: [201, 200, 202],
    signal,
  });
  discardBody(response);
  const claimed = response.header('docker-content-digest');
  if (claimed && claimed.startsWith('sha256:') && manifest.digest.startsWith('sha256:') && claimed !== manifest.digest) {
    throw new DigestMismatchError(manifest.digest, claimed, 'manifest stored by the registry');
  }
  return { digest: manifest.digest, subjectHeader: response.header('oci-subject') };
}

/** DELETE a manifest by digest (registries refuse tags). */
export async function deleteManifest(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<void> {
  const response = await client.request({
    method: 'DELETE',
    path: `/v2/${repository}/manifests/${digest}`,
    scopes: [deleteScope(repository)],
    expect: [202, 200],
    signal,
  });
  discardBody(response);
}
