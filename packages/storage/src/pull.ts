import { copy, readArtifact, readImage, type CopyResult, type ImageSource, type Platform } from '@ocikit/oci-image';
import { ensureLayers } from './layers.js';
import type { DriverName } from './paths.js';
import type { Store } from './store.js';
import { StoreDestination } from './transport.js';

export interface PullOptions {
  /** Store it under this name (normalised); unnamed otherwise. */
  name?: string;
  /**
   * Unpack its layers for this driver while the blobs are copied. The layers
   * are then read from the source twice: right for local sources (oci:,
   * oci-archive:, dir:); for a registry, pull first and create from the store.
   */
  unpackFor?: DriverName;
  platform?: Platform;
  signal?: AbortSignal;
}

/**
 * Copy an image from any source into the store. With `unpackFor`, its layers
 * are unpacked from the source at the same time as the blobs are copied (two
 * reads of the source instead of a copy then a read), which is what makes
 * `create oci:DIR:TAG` quick on a cold store.
 */
export async function pullImage(store: Store, source: ImageSource, options: PullOptions = {}): Promise<CopyResult> {
  const signalOpt = options.signal ? { signal: options.signal } : {};
  const platformOpt = options.platform ? { platform: options.platform } : {};
  const reference = `storage:${options.name ?? ''}`;
  const copying = copy(await readArtifact(source), new StoreDestination(store, options.name, reference), { ...signalOpt, ...platformOpt });
  if (!options.unpackFor) return copying;
  const unpacking = readImage(source, options.platform).then((image) => ensureLayers(store, options.unpackFor as DriverName, image, signalOpt));
  const [result] = await Promise.all([copying, unpacking]);
  return result;
}
