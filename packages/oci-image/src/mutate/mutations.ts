import type { Image } from '../image.js';
import type { Layer } from '../layer.js';
import { dockerLayerMediaType, MediaTypes, ociLayerMediaType } from '../media-types.js';
import { hostPlatform } from '../platform.js';
import { OciError } from '../errors.js';
import type { HistoryEntry, ImageConfig, Platform } from '../types.js';
import { ComposedImage, partsOf, type ImageParts } from './composed-image.js';
import { applyConfigPatch, type ConfigPatch } from './config-patch.js';


/** Derive a new image from a base by changing its parts; nothing is read until asked. */
export function mutate(base: Image, change: (parts: ImageParts) => ImageParts | Promise<ImageParts>): Image {
  return new ComposedImage(async () => change(await partsOf(base)), base.origin);
}

export interface LayerAddition {
  layer: Layer;
  history?: HistoryEntry;
}

/** A layer seen with another media type (same bytes), e.g. OCI gzip as Docker gzip. */
export function withMediaType(layer: Layer, mediaType: string): Layer {
  if (layer.descriptor.mediaType === mediaType) return layer;
  return {
    descriptor: { ...layer.descriptor, mediaType },
    compression: layer.compression,
    open: (signal) => layer.open(signal),
    bytes: (signal) => layer.bytes(signal),
    diffId: () => layer.diffId(),
    uncompressed: (signal) => layer.uncompressed(signal),
  };
}

/** Append layers, keeping config diff_ids and history in step. */
export function appendLayers(base: Image, additions: ReadonlyArray<Layer | LayerAddition>): Image {
  return mutate(base, async (parts) => {
    const docker = parts.manifestMediaType === MediaTypes.dockerManifest;
    for (const addition of additions) {
      const { layer, history } = 'layer' in addition ? addition : { layer: addition, history: undefined };
      if (docker && layer.compression === 'none') {
        throw new OciError('ERR_OCI_MEDIA_TYPE', 'a Docker schema2 image cannot hold an uncompressed layer', {
          hint: 'compress the layer with gzip or zstd, or convert the image to OCI',
        });
      }
      const mediaType = docker ? dockerLayerMediaType(layer.compression) : ociLayerMediaType(layer.compression);
      parts.layers.push(withMediaType(layer, mediaType));
      parts.config.rootfs.diff_ids.push(await layer.diffId());
      parts.config.history = [...(parts.config.history ?? []), { created: parts.config.created ?? new Date(0).toISOString(), ...history }];
    }
    return parts;
  });
}

export function withConfig(base: Image, patch: ConfigPatch): Image {
  return mutate(base, (parts) => ({ ...parts, config: applyConfigPatch(parts.config, patch) }));
}

/** Replace the config with whatever `change` returns (diff_ids must still match the layers). */
export function withConfigFile(base: Image, change: (config: ImageConfig) => ImageConfig): Image {
  return mutate(base, (parts) => ({ ...parts, config: change(parts.config) }));
}

/** Set manifest annotations; a value of undefined removes one. */
export function withAnnotations(base: Image, annotations: Record<string, string | undefined>): Image {
  return mutate(base, (parts) => {
    const next = { ...(parts.annotations ?? {}) };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    return { ...parts, annotations: next };
  });
}

/** Set the created time of the config and of every history entry (reproducible builds). */
export function withCreated(base: Image, created: Date, options: { history?: boolean } = {}): Image {
  const iso = created.toISOString().replace(/\.000Z$/, 'Z');
  return mutate(base, (parts) => {
    const config = { ...parts.config, created: iso };
    if (options.history !== false && config.history) config.history = config.history.map((h) => ({ ...h, created: iso }));
    return { ...parts, config };
  });
}

/** An image with no layers (`scratch`). */
export function emptyImage(platform: Platform = hostPlatform()): Image {
  return new ComposedImage(async () => {
    const config: ImageConfig = { architecture: platform.architecture, os: platform.os, config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
    if (platform.variant) config.variant = platform.variant;
    return { manifestMediaType: MediaTypes.ociManifest, configMediaType: MediaTypes.ociConfig, config, layers: [] };
  }, undefined);
}

/**
 * Move the layers an image added on top of `oldBase` onto `newBase`
 * (config of the image kept, diff_ids and history rebuilt).
 */
export function rebase(image: Image, oldBase: Image, newBase: Image): Image {
  return new ComposedImage(async () => {
    const [top, old, next] = await Promise.all([partsOf(image), partsOf(oldBase), partsOf(newBase)]);
    const oldIds = old.config.rootfs.diff_ids;
    if (oldIds.some((id, i) => top.config.rootfs.diff_ids[i] !== id)) {
      throw new OciError('ERR_OCI_REBASE', 'the image is not based on the given old base', { hint: 'its first layers differ from the old base' });
    }
    const ownLayers = top.layers.slice(old.layers.length);
    const ownIds = top.config.rootfs.diff_ids.slice(oldIds.length);
    const oldHistory = old.config.history?.length ?? 0;
    const ownHistory = (top.config.history ?? []).slice(oldHistory);
    const config: ImageConfig = {
      ...top.config,
      rootfs: { type: 'layers', diff_ids: [...next.config.rootfs.diff_ids, ...ownIds] },
      history: [...(next.config.history ?? []), ...ownHistory],
    };
    return { ...top, config, layers: [...next.layers, ...ownLayers] };
  }, image.origin);
}
