import { blobFromBytes, blobFromOpener, readAll, type Blob } from './blob.js';
import { verifyBytes } from './digest.js';
import { OciError } from './errors.js';
import { layerFromOpener, type Layer } from './layer.js';
import { isLayerMediaType } from './media-types.js';
import { parseAndValidate } from './schema/validate.js';
import type { ImageSource, RawManifest } from './transport.js';
import type { Descriptor, ImageConfig, Index, Manifest } from './types.js';

/** What every image and index shares: their own raw bytes and identity. */
export interface Artifact {
  readonly kind: 'image' | 'index';
  rawManifest(): Promise<Buffer>;
  mediaType(): Promise<string>;
  digest(): Promise<string>;
  /** A descriptor of this manifest or index (mediaType, digest, size). */
  descriptor(): Promise<Descriptor>;
}

export interface Image extends Artifact {
  readonly kind: 'image';
  manifest(): Promise<Manifest>;
  rawConfig(): Promise<Buffer>;
  config(): Promise<ImageConfig>;
  configBlob(): Promise<Blob>;
  /** Layers in order; non-layer blobs (artifacts) are returned as plain blobs by blobs(). */
  layers(): Promise<Layer[]>;
  /** Every blob the manifest references: config first, then layers, in manifest order. */
  blobs(): Promise<Blob[]>;
  /** Where the blobs come from, so a registry can mount instead of copy. */
  readonly origin: ImageSource | undefined;
}

export function manifestDescriptor(raw: RawManifest): Descriptor {
  return { mediaType: raw.mediaType, digest: raw.digest, size: raw.bytes.length };
}

/** Parse manifest bytes, validated against the schema (Docker schema2 reads the same shape). */
export async function parseManifest(bytes: Buffer, what = 'manifest'): Promise<Manifest> {
  return parseAndValidate<Manifest>(bytes, 'manifest', what);
}

export async function parseIndex(bytes: Buffer, what = 'index'): Promise<Index> {
  return parseAndValidate<Index>(bytes, 'index', what);
}

/** The raw-bytes accessors every artifact read from a source shares. */
export abstract class SourceArtifact {
  constructor(readonly origin: ImageSource, protected readonly raw: RawManifest) {}

  async rawManifest(): Promise<Buffer> {
    return this.raw.bytes;
  }
  async mediaType(): Promise<string> {
    return this.raw.mediaType;
  }
  async digest(): Promise<string> {
    return this.raw.digest;
  }
  async descriptor(): Promise<Descriptor> {
    return manifestDescriptor(this.raw);
  }
}

/**
 * An image read lazily from a source: nothing is fetched until asked, and
 * each document is fetched and parsed once.
 */
export class SourceImage extends SourceArtifact implements Image {
  readonly kind = 'image' as const;
  private manifestPromise: Promise<Manifest> | undefined;
  private configBytesPromise: Promise<Buffer> | undefined;
  private configPromise: Promise<ImageConfig> | undefined;

  manifest(): Promise<Manifest> {
    this.manifestPromise ??= parseManifest(this.raw.bytes, `manifest ${this.raw.digest}`);
    return this.manifestPromise;
  }

  rawConfig(): Promise<Buffer> {
    this.configBytesPromise ??= this.manifest().then(async (m) => {
      const bytes = await readAll(await this.origin.openBlob(m.config));
      verifyBytes(bytes, m.config.digest, m.config.size, `config ${m.config.digest}`);
      return bytes;
    });
    return this.configBytesPromise;
  }

  config(): Promise<ImageConfig> {
    this.configPromise ??= this.rawConfig().then((b) => parseAndValidate<ImageConfig>(b, 'config', 'image config'));
    return this.configPromise;
  }

  async configBlob(): Promise<Blob> {
    const m = await this.manifest();
    return blobFromBytes(m.config, await this.rawConfig());
  }

  async layers(): Promise<Layer[]> {
    const m = await this.manifest();
    const layerDescriptors = m.layers.filter((d) => isLayerMediaType(d.mediaType));
    if (layerDescriptors.length === 0) return [];
    const diffIds = (await this.config()).rootfs.diff_ids;
    if (diffIds.length !== layerDescriptors.length) {
      throw new OciError('ERR_OCI_CONFIG', `config lists ${diffIds.length} diff_ids for ${layerDescriptors.length} layers`, {
        hint: 'the image config and manifest disagree',
      });
    }
    return layerDescriptors.map((d, i) => layerFromOpener(d, (signal) => this.origin.openBlob(d, { signal }), diffIds[i]));
  }

  async blobs(): Promise<Blob[]> {
    const m = await this.manifest();
    return [m.config, ...m.layers].map((d) => blobFromOpener(d, (signal) => this.origin.openBlob(d, { signal })));
  }
}
