import { copyReference, type Compression, type CopyOptions, type CopyResult, type CopyTransform, type ManifestFormat, type Transport } from '@ocikit/oci-image';

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
 * settings) and re-compression.
 */
export async function copyImage(source: string, destination: string, options: CopyImageOptions): Promise<CopyResult> {
  const { sourceTransports, destinationTransports, compressFormat, manifestFormat, tempDir, ...copyOptions } = options;
  const recompress: CopyTransform | undefined = compressFormat
    ? async (artifact, opOptions) => {
        const { recompressImage } = await import('./recompress.js');
        const recompressed = await recompressImage(artifact, compressFormat, { ...(tempDir ? { tempDir } : {}), ...opOptions });
        return { artifact: recompressed.image, cleanup: recompressed.cleanup };
      }
    : undefined;
  return copyReference(source, destination, sourceTransports, {
    ...copyOptions,
    destinationTransports,
    ...(manifestFormat ? { format: manifestFormat } : {}),
    ...(recompress ? { transform: recompress } : {}),
  });
}
