import { dockerLayerMediaType, MediaTypes, mutate, OciError, ociLayerMediaType, withAnnotations, withConfig, type Image, type Layer } from '@ocikit/oci-image';

function retyped(layer: Layer, mediaType: string): Layer {
  if (layer.descriptor.mediaType === mediaType) return layer;
  return { ...layer, descriptor: { ...layer.descriptor, mediaType }, open: (s) => layer.open(s), bytes: (s) => layer.bytes(s), diffId: () => layer.diffId(), uncompressed: (s) => layer.uncompressed(s) };
}

/** The same image as a Docker schema2 or an OCI manifest (same layer bytes, other media types). */
export function inFormat(image: Image, format: 'oci' | 'docker'): Image {
  return mutate(image, (parts) => {
    const docker = format === 'docker';
    if (docker && parts.layers.some((l) => l.compression === 'none')) {
      throw new OciError('ERR_OCI_MEDIA_TYPE', 'a Docker schema2 image cannot hold an uncompressed layer', { hint: 'use --compression gzip or --format oci' });
    }
    return {
      ...parts,
      manifestMediaType: docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest,
      configMediaType: docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig,
      layers: parts.layers.map((l) => retyped(l, docker ? dockerLayerMediaType(l.compression) : ociLayerMediaType(l.compression))),
    };
  });
}

export interface FinishOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  format?: 'oci' | 'docker';
}

/** Apply the build-wide finishing touches (--label, --annotation, --format). */
export function finishImage(image: Image, options: FinishOptions): Image {
  let out = image;
  if (options.labels && Object.keys(options.labels).length) out = withConfig(out, { labels: options.labels });
  if (options.annotations && Object.keys(options.annotations).length) out = withAnnotations(out, options.annotations);
  if (options.format === 'docker') out = inFormat(out, 'docker');
  return out;
}
