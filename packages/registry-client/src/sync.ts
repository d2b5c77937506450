import { join } from 'node:path';
import type { CopyOptions, Transport } from '@ocikit/oci-image';
import { copyImage } from './copy-image.js';
import type { DockerTransport } from './docker-transport.js';
import { listTags } from './listing.js';
import { headManifest } from './manifests.js';
import { parseDockerReference, type DockerReference } from './reference.js';

export interface SyncOptions extends CopyOptions {
  /** The docker transport used for the sources. */
  source: DockerTransport;
  /** Transports for destinations: a docker transport for docker://, local ones for folders. */
  destinationTransports: readonly Transport<any>[];
  onImage?: (event: SyncResult) => void;
}

export interface SyncResult {
  source: string;
  destination: string;
  /** The destination reference with digest. */
  reference: string;
  skipped: boolean;
}

/** Did the user name a tag or digest, or the whole repository? */
function namesWholeRepository(text: string): boolean {
  const lastSlash = text.lastIndexOf('/');
  return !text.includes('@') && !text.slice(lastSlash + 1).includes(':');
}

function destinationFor(ref: DockerReference, tag: string, destination: string): string {
  const name = ref.repository.split('/').pop() as string;
  if (destination.startsWith('docker://')) return `${destination.replace(/\/+$/, '')}/${name}:${tag}`;
  const folder = destination.startsWith('oci:') ? destination.slice(4) : destination;
  return `oci:${join(folder, name)}:${tag}`;
}

/**
 * Copy repositories (every tag) or single images to a registry namespace
 * (docker://host/prefix) or a folder of OCI layouts (one per repository).
 * Idempotent: images already at the destination with the same digest are skipped.
 */
export async function syncImages(sources: readonly string[], destination: string, options: SyncOptions): Promise<SyncResult[]> {
  const results: SyncResult[] = [];
  const dstTransport = options.destinationTransports.find((t) => t.name === 'docker') as DockerTransport | undefined;
  for (const text of sources) {
    const bare = text.replace(/^docker:\/\//, '');
    const ref = parseDockerReference(bare);
    const client = await options.source.client(ref.registry);
    const tags = namesWholeRepository(bare) ? await listTags(client, ref.repository, { signal: options.signal }) : [ref.digest ?? ref.tag ?? 'latest'];
    for (const tag of tags.sort()) {
      const isDigest = tag.includes(':');
      const src = `docker://${ref.registry}/${ref.repository}${isDigest ? '@' : ':'}${tag}`;
      const dst = destinationFor(ref, isDigest ? tag.replace(':', '-') : tag, destination);
      let skipped = false;
      let reference = '';
      if (dst.startsWith('docker://')) {
        const dstRef = parseDockerReference(dst.slice('docker://'.length));
        const [have, want] = await Promise.all([
          dstTransport ? dstTransport.client(dstRef.registry).then((c) => headManifest(c, dstRef.repository, dstRef.tag ?? 'latest', options.signal)) : undefined,
          headManifest(client, ref.repository, tag, options.signal),
        ]);
        if (have && want && have.digest === want.digest) {
          skipped = true;
          reference = `${dst}@${have.digest}`;
        }
      }
      if (!skipped) {
        const result = await copyImage(src, dst, { ...options, sourceTransports: [options.source], destinationTransports: options.destinationTransports });
        reference = result.reference;
      }
      const event = { source: src, destination: dst, reference, skipped };
      options.onImage?.(event);
      results.push(event);
    }
  }
  return results;
}
