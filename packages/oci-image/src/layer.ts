import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blobFromOpener, type Blob, type RawOpener } from './blob.js';
import { decompressStream } from './compression.js';
import { DigestingStream } from './digest.js';
import { layerCompression, type Compression } from './media-types.js';
import { UnsupportedMediaTypeError } from './errors.js';
import type { Descriptor } from './types.js';

/** A layer: a blob plus its uncompressed view and diffID. */
export interface Layer extends Blob {
  readonly compression: Compression;
  /** The digest of the uncompressed tar (from the config, or computed once). */
  diffId(): Promise<string>;
  /** The uncompressed tar, verified against the blob digest. */
  uncompressed(signal?: AbortSignal): Promise<Readable>;
}

/**
 * A layer read from a source. `knownDiffId` comes from the image config; when
 * absent the diffID is computed by reading the layer once.
 */
export function layerFromOpener(descriptor: Descriptor, openRaw: RawOpener, knownDiffId?: string): Layer {
  const compression = layerCompression(descriptor.mediaType);
  if (compression === undefined) throw new UnsupportedMediaTypeError(descriptor.mediaType, `for layer ${descriptor.digest}`);
  const blob = blobFromOpener(descriptor, openRaw);
  let diffId: Promise<string> | undefined = knownDiffId ? Promise.resolve(knownDiffId) : undefined;
  const layer: Layer = {
    ...blob,
    compression,
    async uncompressed(signal) {
      return decompressStream(await blob.open(signal), compression);
    },
    diffId() {
      diffId ??= computeDiffId(layer);
      return diffId;
    },
  };
  return layer;
}

async function computeDiffId(layer: Layer): Promise<string> {
  const hasher = new DigestingStream();
  await pipeline(await layer.uncompressed(), hasher, new Writable({ write: (_c, _e, done) => done() }));
  return hasher.digest();
}
