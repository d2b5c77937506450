import { copy, parseReference, readArtifact, type CopyOptions, type CopyResult, type Transport } from '@ocikit/oci-image';

export interface CopyImageOptions extends CopyOptions {
  /** Transports the source may use (e.g. [...localTransports, dockerTransport(srcOptions)]). */
  sourceTransports: readonly Transport<any>[];
  /** Transports the destination may use. */
  destinationTransports: readonly Transport<any>[];
}

/** Copy one reference to another through the one copy engine of oci-image. */
export async function copyImage(source: string, destination: string, options: CopyImageOptions): Promise<CopyResult> {
  const src = parseReference(source, options.sourceTransports);
  const dst = parseReference(destination, options.destinationTransports);
  const opened = await src.transport.openSource(src.value, options.signal ? { signal: options.signal } : {});
  try {
    const artifact = await readArtifact(opened);
    const target = await dst.transport.openDestination(dst.value, options.signal ? { signal: options.signal } : {});
    return await copy(artifact, target, options);
  } finally {
    await opened.close();
  }
}
