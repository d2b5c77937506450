import {
  convertFormat,
  copy,
  parseReference,
  readArtifact,
  type Compression,
  type CopyOptions,
  type CopyResult,
  type ManifestFormat,
  type ParsedReference,
  type Transport,
} from '@ocikit/oci-image';
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
 * Copy one reference to another through the one copy engine of oci-image,
 * with separate transport lists so source and destination can carry their
 * own credentials and TLS settings.
 */
export async function copyImage(source: string, destination: string, options: CopyImageOptions): Promise<CopyResult> {
  const src = parseReference(source, options.sourceTransports);
  const dst = parseReference(destination, options.destinationTransports);
  // Ended when this copy ends: a ping still retrying never outlives it, and
  // when one blob fails for good the others stop instead of running on.
  const ended = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, ended.signal]) : ended.signal;
  pingEarly(dst.transport, dst.value, signal);
  try {
    return await copyOpened(src, dst, { ...options, signal }, { signal });
  } finally {
    // A plain reason: abort() without one builds a DOMException (and its stack) every copy.
    ended.abort(COPY_ENDED);
  }
}

const COPY_ENDED = 'the copy ended';

async function copyOpened(src: ParsedReference, dst: ParsedReference, options: CopyImageOptions, opOptions: { signal?: AbortSignal }): Promise<CopyResult> {
  const opened = await src.transport.openSource(src.value, opOptions);
  let cleanup: (() => Promise<void>) | undefined;
  try {
    let artifact = await readArtifact(opened);
    if ((options.compressFormat || options.manifestFormat) && artifact.kind === 'index' && !options.all) artifact = await artifact.image(options.platform);
    if (options.compressFormat) {
      const { recompressImage } = await import('./recompress.js');
      const recompressed = await recompressImage(artifact, options.compressFormat, { ...(options.tempDir ? { tempDir: options.tempDir } : {}), ...opOptions });
      artifact = recompressed.image;
      cleanup = recompressed.cleanup;
    }
    if (options.manifestFormat) artifact = await convertFormat(artifact, options.manifestFormat);
    const target = await dst.transport.openDestination(dst.value, opOptions);
    return await copy(artifact, target, options);
  } finally {
    await opened.close();
    await cleanup?.();
  }
}

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
