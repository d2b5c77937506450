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

/** A plain reason: abort() without one builds a DOMException (and its stack) every copy. */
const COPY_ENDED = 'the copy ended';

/**
 * Copy between two `transport:reference` strings: the engine behind every
 * `copy` command (oci-image's and oci-registry's). A conversion or a
 * transform picks one image of an index first, unless `all` is set.
 */
export async function copyReference(from: string, to: string, transports: readonly Transport<any>[], options: CopyReferenceOptions = {}): Promise<CopyResult> {
  const src = parseReference(from, transports);
  const dst = parseReference(to, options.destinationTransports ?? transports);
  // Ended with this copy: what it started (a registry's ping, the other
  // transfers once one blob failed for good) never outlives it.
  const ended = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, ended.signal]) : ended.signal;
  let cleanup: (() => Promise<void>) | undefined;
  try {
    // The destination opens first: it fails before any work, and a registry starts its ping while the source is read.
    const destination = await dst.transport.openDestination(dst.value, { signal });
    const source = await src.transport.openSource(src.value, { signal });
    try {
      let artifact = await readArtifact(source);
      if ((options.format || options.transform) && artifact.kind === 'index' && !options.all) artifact = await artifact.image(options.platform);
      if (options.transform) {
        const transformed = await options.transform(artifact, { signal });
        artifact = transformed.artifact;
        cleanup = transformed.cleanup;
      }
      if (options.format) artifact = await convertFormat(artifact, options.format);
      return await copy(artifact, destination, { ...options, signal });
    } finally {
      await source.close();
    }
  } finally {
    ended.abort(COPY_ENDED);
    await cleanup?.();
  }
}
