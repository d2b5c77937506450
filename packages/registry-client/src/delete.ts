import { ManifestNotFoundError, type OperationOptions } from '@ocikit/oci-image';
import type { DockerTransport } from './docker-transport.js';
import { deleteManifest, headManifest } from './manifests.js';
import type { DockerReference } from './reference.js';

export type DeleteOptions = OperationOptions;

/**
 * Delete what a reference names: a tag is resolved to its digest first (the
 * API deletes manifests by digest, and with it every tag pointing at it).
 */
export async function deleteImage(transport: DockerTransport, ref: DockerReference, options: DeleteOptions = {}): Promise<string> {
  const client = await transport.client(ref.registry);
  let digest = ref.digest;
  if (!digest) {
    const head = await headManifest(client, ref.repository, ref.tag ?? 'latest', options.signal);
    if (!head) throw new ManifestNotFoundError(ref.tag ?? 'latest', `docker://${ref.registry}/${ref.repository}`);
    digest = head.digest;
  }
  await deleteManifest(client, ref.repository, digest, options.signal);
  return digest;
}
