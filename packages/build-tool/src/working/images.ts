import {
  appendLayers, copy, createLayerFromTar, isIndexMediaType, emptyImage, hostPlatform, parseReference, readArtifact, withConfigFile,
  type Compression, type CreatedLayer, type HistoryEntry, type Image, type ImageConfig, type Platform, type Transport,
} from '@ocikit/oci-image';
import { containerLayer, imageByDigest, ImageNotKnownError, resolveImage, StoreDestination, type ContainerRecord, type Store } from '@ocikit/storage';
import { BuildError } from '../errors.js';

export interface ImportOptions {
  transports: readonly Transport<any>[];
  platform?: Platform;
  signal?: AbortSignal;
}

/**
 * The store's manifest digest for a base image: `scratch` (an empty image),
 * a `transport:reference` (copied into the store unnamed; blobs it has are
 * skipped), or the name or id of an image already in the store.
 */
export async function importImage(store: Store, reference: string, options: ImportOptions): Promise<string> {
  const platform = options.platform ?? hostPlatform();
  const opts = options.signal ? { signal: options.signal } : {};
  if (reference === 'scratch') {
    const result = await copy(emptyImage(platform), new StoreDestination(store, undefined, 'storage:'), opts);
    return result.digest;
  }
  const transportName = /^([a-z][a-z0-9-]*):/.exec(reference)?.[1];
  if (transportName && options.transports.some((t) => t.name === transportName)) {
    const parsed = parseReference(reference, options.transports);
    const source = await parsed.transport.openSource(parsed.value, opts);
    try {
      // Already in the store (a rebuild): no copy, no index.json write.
      const raw = await source.getManifest(undefined, opts);
      if (!isIndexMediaType(raw.mediaType) && (await store.layout.readIndex()).manifests.some((d) => d.digest === raw.digest)) return raw.digest;
      const result = await copy(await readArtifact(source), new StoreDestination(store, undefined, 'storage:'), { ...opts, platform });
      return result.digest;
    } finally {
      await source.close();
    }
  }
  try {
    return (await resolveImage(store, reference)).descriptor.digest;
  } catch (error) {
    if (!(error instanceof ImageNotKnownError)) throw error;
    throw new BuildError('ERR_BUILD_BASE_UNKNOWN', `image ${JSON.stringify(reference)} is not in the store and names no transport`, {
      cause: error,
      hint: `write a transport reference (docker://HOST/${reference}, oci:DIR:TAG, oci-archive:FILE) or put it in the store first`,
    });
  }
}

export interface StepCommit {
  /** The config to write (rootfs and history are taken from the base and extended). */
  config: ImageConfig;
  /** History entries of metadata-only steps since the last layer. */
  pendingHistory: HistoryEntry[];
  /** The history entry of this layer; undefined writes no layer (config only). */
  layerHistory: HistoryEntry | undefined;
  compression: Compression;
  /** Clamp file times and set created (reproducible builds). */
  timestamp?: Date;
  signal?: AbortSignal;
}

/** A container's changes as a layer; with a timestamp the layer is rewritten with clamped mtimes. */
export async function changesLayer(store: Store, c: ContainerRecord, compression: Compression, timestamp?: Date, signal?: AbortSignal): Promise<CreatedLayer> {
  const sig = signal ? { signal } : {};
  if (!timestamp) return containerLayer(store, c, { compression, ...sig });
  const plain = await containerLayer(store, c, { compression: 'none', ...sig });
  try {
    return await createLayerFromTar(await plain.uncompressed(signal), { compression, timestamp, tmpDir: store.paths.tmp, ...sig });
  } finally {
    await plain.dispose();
  }
}

/** The image of a base plus, optionally, one layer, with the given config and history. */
export function composeImage(base: Image, commit: Omit<StepCommit, 'compression' | 'layerHistory'>, layer?: { layer: CreatedLayer; history: HistoryEntry }): Image {
  let image = withConfigFile(base, (current) => ({
    ...commit.config,
    rootfs: current.rootfs,
    history: [...(current.history ?? []), ...commit.pendingHistory],
  }));
  if (layer) image = appendLayers(image, [layer]);
  return image;
}

/**
 * Commit a container's changes, a prepared layer (disposed afterwards), or
 * only a config (when layerHistory is undefined) on
 * top of the image `baseDigest` into the store, unnamed; returns the new
 * manifest digest.
 */
export async function commitToStore(store: Store, baseDigest: string, c: ContainerRecord | CreatedLayer | undefined, commit: StepCommit): Promise<string> {
  const base = await imageByDigest(store, baseDigest);
  const given = c && 'dispose' in c ? c : undefined;
  const layer = given ?? (c && !given && commit.layerHistory ? await changesLayer(store, c as ContainerRecord, commit.compression, commit.timestamp, commit.signal) : undefined);
  try {
    const image = composeImage(base, commit, layer && commit.layerHistory ? { layer, history: commit.layerHistory } : undefined);
    const result = await copy(image, new StoreDestination(store, undefined, 'storage:'), commit.signal ? { signal: commit.signal } : {});
    return result.digest;
  } finally {
    await layer?.dispose();
  }
}

export async function configOf(store: Store, digest: string): Promise<ImageConfig> {
  return (await (await imageByDigest(store, digest)).config()) as ImageConfig;
}
