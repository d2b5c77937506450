import { copy, type CopyOptions, type CopyResult } from './copy.js';
import type { Image } from './image.js';
import { readArtifact, type ImageIndex } from './image-index.js';
import { convertFormat, type ManifestFormat } from './mutate/convert.js';
import { parseReference, type Transport } from './transport.js';

/** A change to what is copied (e.g. re-compressed layers); cleanup runs when the copy ends. */
export type CopyTransform = (artifact: Image | ImageIndex, options: { signal?: AbortSignal }) => Promise<{ artifact: Image | ImageIndex; cleanup?: () => Promise<void> }>;

export interface CopyReferenceOptions extends CopyOptions {
  /** Convert the manifest format (oci or v2s2); changes the digest. */
  format?: ManifestFormat;
  /** Transports of the destination when they differ from the source's (their own credentials or TLS settings). */
  destinationTransports?: readonly Transport<any>[];
  /** Applied after the platform is picked and before the format is converted. */
  transform?: CopyTransform;
}

/**
 * Copy between two `transport:reference` strings: the engine behind every
 * `copy` command (oci-image's and oci-registry's). A conversion or a
 * transform picks one image of an index first, unless `all` is set.
 */
export async function copyReference(from: string, to: string, transports: readonly Transport<any>[], options: CopyReferenceOptions = {}): Promise<CopyResult> {
  const src = parseReference(from, transports);
  const dst = parseReference(to, options.destinationTransports ?? transports);
  const opOptions = options.signal ? { signal: options.signal } : {};
  const source = await src.transport.openSource(src.value, opOptions);
  let cleanup: (() => Promise<void>) | undefined;
  try {
    // Opened first: a destination that cannot be written fails before any work.
    const destination = await dst.transport.openDestination(dst.value, opOptions);
    let artifact = await readArtifact(source);
    if ((options.format || options.transform) && artifact.kind === 'index' && !options.all) artifact = await artifact.image(options.platform);
    if (options.transform) {
      const transformed = await options.transform(artifact, opOptions);
      artifact = transformed.artifact;
      cleanup = transformed.cleanup;
    }
    if (options.format) artifact = await convertFormat(artifact, options.format);
    return await copy(artifact, destination, options);
  } finally {
    await source.close();
    await cleanup?.();
  }
}
