import type { Image } from '../image.js';
import type { ImageIndex } from '../image-index.js';
import type { Layer } from '../layer.js';
import { dockerLayerMediaType, MediaTypes, ociLayerMediaType } from '../media-types.js';
import { OciError } from '../errors.js';
import { indexOf } from './composed-index.js';
import { mutate, withMediaType } from './mutations.js';

/** Manifest formats skopeo users name with --format. */
export type ManifestFormat = 'oci' | 'v2s2';

function convertImage(image: Image, format: ManifestFormat): Image {
  return mutate(image, (parts) => {
    const layers: Layer[] = parts.layers.map((layer) => {
      if (format === 'v2s2' && layer.compression === 'none') {
        throw new OciError('ERR_OCI_MEDIA_TYPE', 'Docker schema2 has no uncompressed layer type', { hint: 'keep the OCI format for this image' });
      }
      return withMediaType(layer, format === 'oci' ? ociLayerMediaType(layer.compression) : dockerLayerMediaType(layer.compression));
    });
    const oci = format === 'oci';
    return {
      ...parts,
      manifestMediaType: oci ? MediaTypes.ociManifest : MediaTypes.dockerManifest,
      configMediaType: oci ? MediaTypes.ociConfig : MediaTypes.dockerConfig,
      layers,
    };
  });
}

/**
 * The same image (or every image of an index) in another manifest format:
 * the config and layer bytes stay, only media types and so the manifest
 * digest change. Already in that format: returned as it is.
 */
export async function convertFormat(artifact: Image | ImageIndex, format: ManifestFormat): Promise<Image | ImageIndex> {
  const target = format === 'oci' ? [MediaTypes.ociManifest, MediaTypes.ociIndex] : [MediaTypes.dockerManifest, MediaTypes.dockerManifestList];
  const mediaType = await artifact.mediaType();
  if (artifact.kind === 'image') return mediaType === target[0] ? artifact : convertImage(artifact, format);
  if (format === 'v2s2') {
    throw new OciError('ERR_OCI_MEDIA_TYPE', 'converting an index to a Docker manifest list is not supported', {
      hint: 'copy one platform with --platform, or keep the OCI format',
    });
  }
  const descriptors = await artifact.manifests();
  const children = await Promise.all(descriptors.map(async (d) => ({ original: await artifact.child(d), descriptor: d })));
  const converted = await Promise.all(children.map((c) => convertFormat(c.original, format)));
  if (mediaType === target[1] && converted.every((c, i) => c === children[i]!.original)) return artifact;
  return indexOf(
    converted.map((c, i) => {
      const d = children[i]!.descriptor;
      return { artifact: c, ...(d.platform ? { platform: d.platform } : {}), ...(d.annotations ? { annotations: d.annotations } : {}) };
    }),
  );
}
