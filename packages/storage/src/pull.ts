import { copy, readArtifact, readImage, REF_NAME_ANNOTATION, type CopyResult, type Descriptor, type ImageSource, type Platform } from '@ocikit/oci-image';
import { imageBlobs } from './reachable.js';
import { createContainer, type ContainerRecord, type CreateContainerOptions } from './containers.js';
import { withInflight } from './inflight.js';
import { ensureLayers } from './layers.js';
import type { DriverName } from './paths.js';
import type { Store } from './store.js';
import { StoreDestination } from './transport.js';

export interface PullOptions {
  /** Store it under this name (normalised); unnamed otherwise. */
  name?: string;
  /**
   * Unpack its layers for this driver as they are copied: each layer blob is
   * read from the source once, hashed, stored and unpacked in one pass.
   */
  unpackFor?: DriverName;
  platform?: Platform;
  signal?: AbortSignal;
}

/**
 * Copy an image from any source into the store. With `unpackFor`, its layers
 * are unpacked from the very bytes that are stored (one read of the source
 * instead of a copy then a read), which is what makes `create oci:DIR:TAG`
 * quick on a cold store.
 */
export async function pullImage(store: Store, source: ImageSource, options: PullOptions = {}): Promise<CopyResult> {
  const signalOpt = options.signal ? { signal: options.signal } : {};
  const platformOpt = options.platform ? { platform: options.platform } : {};
  const reference = `storage:${options.name ?? ''}`;
  const image = await readImage(source, options.platform);
  const digest = await image.digest();
  if (await alreadyStored(store, digest, options.name)) {
    // Nothing to copy: the store has this very manifest under the wanted name.
    if (options.unpackFor) await ensureLayers(store, options.unpackFor, image, signalOpt);
    return { reference: `${reference}@${digest}`, digest, mediaType: await image.mediaType(), blobsCopied: 0, blobsSkipped: 0, bytesCopied: 0 };
  }
  const copyAll = async (): Promise<CopyResult> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await copy(await readArtifact(source), new StoreDestination(store, options.name, reference), { ...signalOpt, ...platformOpt });
      } catch (error) {
        // A prune that started before we did may take a blob we found present and skipped: copy again.
        if (attempt >= 3 || (error as { code?: string }).code !== 'ERR_STORAGE_INCOMPLETE') throw error;
      }
    }
  };
  if (!options.unpackFor) return copyAll();
  const unpackFor = options.unpackFor;
  return withInflight(store, 'pull and unpack', async () => {
    // Layers first, each read once (stored and unpacked together); the copy then finds their blobs present.
    await ensureLayers(store, unpackFor, image, { ...signalOpt, importBlobs: true });
    return copyAll();
  });
}

async function alreadyStored(store: Store, digest: string, name: string | undefined): Promise<boolean> {
  const entries = (await store.layout.readIndex()).manifests.filter((d) => d.digest === digest);
  if (!entries.length) return false;
  if (name !== undefined && !entries.some((d) => d.annotations?.[REF_NAME_ANNOTATION] === name)) return false;
  return (await imageBlobs(store.layout, entries[0] as Descriptor)).missing.length === 0;
}

/**
 * Pull from any source and create a container of it, with one in-flight
 * marker over both steps so that gc never sees the new image as unused.
 */
export async function createFromSource(store: Store, source: ImageSource, options: CreateContainerOptions & { platform?: Platform } = {}): Promise<ContainerRecord> {
  return withInflight(store, 'pull and create', async () => {
    const driver = options.driver ?? store.driver;
    const { digest } = await pullImage(store, source, { unpackFor: driver, ...(options.signal ? { signal: options.signal } : {}), ...(options.platform ? { platform: options.platform } : {}) });
    return createContainer(store, digest, { ...options, driver });
  });
}
