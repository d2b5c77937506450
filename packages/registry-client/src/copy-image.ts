import { copyReference, parseReference, type Compression, type CopyOptions, type CopyResult, type CopyTransform, type ManifestFormat, type Transport } from '@ocikit/oci-image';
import type { DockerTransport } from './docker-transport.js';
import type { DockerReference } from './reference.js';

export interface CopyImageOptions extends CopyOptions {
  /** Transports the source may use (e.g. [...localTransports, dockerTransport(srcOptions)]). */
  sourceTransports: readonly Transport<any>[];
  /** Transports the destination may use. */
  destinationTransports: readonly Transport<any>[];
  /** Re-compress layers (gzip, zstd or none); changes digests. */
  compressFormat?: Compression;
  /** Convert the manifest format (oci or v2s2); changes the digest. */
  manifestFormat?: ManifestFormat;
  /** Where re-compressed layers are spooled (default the system temp folder). */
  tempDir?: string;
}

/**
 * oci-image's copyReference with what a registry copy adds: separate
 * transport lists (so each side carries its own credentials and TLS
 * settings), re-compression, and the destination registry pinged while the
 * source is read.
 */
export async function copyImage(source: string, destination: string, options: CopyImageOptions): Promise<CopyResult> {
  const { sourceTransports, destinationTransports, compressFormat, manifestFormat, tempDir, ...copyOptions } = options;
  // Ended when this copy ends: a ping still retrying never outlives it, and
  // when one blob fails for good the others stop instead of running on.
  const ended = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, ended.signal]) : ended.signal;
  parseReference(source, sourceTransports); // a bad source is reported before a bad destination, as copyReference does
  const dst = parseReference(destination, destinationTransports);
  pingEarly(dst.transport, dst.value, signal);
  const recompress: CopyTransform | undefined = compressFormat
    ? async (artifact, opOptions) => {
        const { recompressImage } = await import('./recompress.js');
        const recompressed = await recompressImage(artifact, compressFormat, { ...(tempDir ? { tempDir } : {}), ...opOptions });
        return { artifact: recompressed.image, cleanup: recompressed.cleanup };
      }
    : undefined;
  try {
    return await copyReference(source, destination, sourceTransports, {
      ...copyOptions,
      signal,
      destinationTransports,
      ...(manifestFormat ? { format: manifestFormat } : {}),
      ...(recompress ? { transform: recompress } : {}),
    });
  } finally {
    // A plain reason: abort() without one builds a DOMException (and its stack) every copy.
    ended.abort(COPY_ENDED);
  }
}

const COPY_ENDED = 'the copy ended';

/**
 * A push's first request waits for the registry's ping (scheme, auth
 * challenge); start it while the source is read. Failures surface again on
 * the first real request, which shares the same ping.
 */
function pingEarly(transport: Transport<any>, value: unknown, signal: AbortSignal | undefined): void {
  const docker = transport as Partial<DockerTransport>;
  const registry = (value as Partial<DockerReference>).registry;
  if (transport.name !== 'docker' || typeof docker.client !== 'function' || typeof registry !== 'string') return;
  docker
    .client(registry)
    .then((client) => client.baseUrl(signal))
    .catch(() => {});
}
