import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compressor,
  DigestingStream,
  dockerLayerMediaType,
  layerFromOpener,
  MediaTypes,
  mutate,
  OciError,
  ociLayerMediaType,
  streamToFileAtomic,
  type Compression,
  type Image,
  type ImageIndex,
  type Layer,
} from '@ocikit/oci-image';

export interface Recompressed {
  image: Image;
  /** Remove the spooled layers; call after the copy. */
  cleanup(): Promise<void>;
}

/**
 * An image whose layers are compressed with `target` (--dest-compress-format).
 * A new digest must be known before an upload starts, so each changed layer
 * is spooled to a temporary file once (streamed, never in memory); layers
 * already in the target compression pass through untouched.
 */
export async function recompressImage(artifact: Image | ImageIndex, target: Compression, options: { tempDir?: string; signal?: AbortSignal } = {}): Promise<Recompressed> {
  if (artifact.kind === 'index') {
    throw new OciError('ERR_OCI_INDEX_UNSUPPORTED', 'recompressing every image of an index is not supported', { hint: 'pick one image with --platform, or drop --dest-compress-format' });
  }
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'ocikit-recompress-'));
  const image = mutate(artifact, async (parts) => {
    const docker = parts.manifestMediaType === MediaTypes.dockerManifest;
    if (docker && target === 'none') throw new OciError('ERR_OCI_MEDIA_TYPE', 'Docker schema2 has no uncompressed layer type', { hint: 'use gzip or zstd' });
    const layers: Layer[] = [];
    for (const [i, layer] of parts.layers.entries()) {
      if (layer.compression === target) {
        layers.push(layer);
        continue;
      }
      const path = join(dir, `layer-${i}`);
      const hasher = new DigestingStream();
      const input = await layer.uncompressed(options.signal);
      const encoder = await compressor(target);
      input.on('error', (e) => encoder.destroy(e));
      encoder.on('error', (e) => hasher.destroy(e));
      await streamToFileAtomic(path, input.pipe(encoder).pipe(hasher), () => {}, options.signal);
      const descriptor = {
        mediaType: docker ? dockerLayerMediaType(target) : ociLayerMediaType(target),
        digest: hasher.digest(),
        size: hasher.size,
      };
      layers.push(layerFromOpener(descriptor, async () => createReadStream(path, { highWaterMark: 1024 * 1024 }), await layer.diffId()));
    }
    return { ...parts, layers };
  });
  return { image, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
