import { appendLayers, copy, sniffManifestMediaType, withConfigFile, type Compression, type CopyResult, type Image, type ImageConfig, type ImageDestination } from '@ocikit/oci-image';
import { containerChanges, type Change } from './changes.js';
import { findContainer } from './containers.js';
import { openStoreImage } from './images.js';
import { withInflight } from './inflight.js';
import { containerLayer } from './layer-writer.js';
import type { Store } from './store.js';

export interface CommitOptions {
  /** History comment. */
  message?: string;
  author?: string;
  /** History created_by (default: oci-storage commit). */
  createdBy?: string;
  compression?: Compression;
  /** Time written to the config and the history entry (default: now). */
  created?: Date;
  /** Clamp the layer's mtimes to this time, for reproducible commits. */
  timestamp?: Date;
  signal?: AbortSignal;
  /** Change the new image's config too (Cmd, Env, labels ...), e.g. for build tools. */
  configure?: (config: ImageConfig) => ImageConfig;
}

export interface CommitResult extends CopyResult {
  changes: Change[];
}

/** The image a container was made from, by its manifest digest. */
export async function imageByDigest(store: Store, digest: string): Promise<Image> {
  const bytes = await store.layout.readBlob(digest);
  return openStoreImage(store, { digest, size: bytes.length, mediaType: sniffManifestMediaType(bytes) });
}

/**
 * A container's changes as one new layer on top of its image, written to
 * `destination` (the store's own, for a storage: name, or any other transport).
 */
export async function commitContainer(store: Store, idOrName: string, destination: ImageDestination, options: CommitOptions = {}): Promise<CommitResult> {
  const c = await findContainer(store, idOrName);
  return withInflight(store, `commit ${c.id}`, async () => {
    const base = await imageByDigest(store, c.imageDigest);
    const { changes } = await containerChanges(store, c);
    const layer = await containerLayer(store, c, {
      compression: options.compression ?? 'gzip',
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timestamp ? { timestamp: options.timestamp } : {}),
    });
    try {
      const created = (options.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const history: { created: string; created_by: string; comment?: string; author?: string } = {
        created,
        created_by: options.createdBy ?? 'oci-storage commit',
      };
      if (options.message) history.comment = options.message;
      if (options.author) history.author = options.author;
      let image = appendLayers(base, [{ layer, history }]);
      image = withConfigFile(image, (config) => {
        const next = { ...config, created, ...(options.author ? { author: options.author } : {}) };
        return options.configure ? options.configure(next) : next;
      });
      const result = await copy(image, destination, options.signal ? { signal: options.signal } : {});
      return { ...result, changes };
    } finally {
      await layer.dispose();
    }
  });
}
