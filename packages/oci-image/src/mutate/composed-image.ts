import { blobFromBytes, type Blob } from '../blob.js';
import { digestOf } from '../digest.js';
import type { Image } from '../image.js';
import type { Layer } from '../layer.js';
import type { ImageSource } from '../transport.js';
import type { Descriptor, ImageConfig, Manifest } from '../types.js';

/** The parts an image is made of; mutations change parts and a new image serialises them. */
export interface ImageParts {
  manifestMediaType: string;
  configMediaType: string;
  config: ImageConfig;
  /** Layers in order, each with the descriptor the manifest lists. */
  layers: Layer[];
  /** Manifest fields kept as they were (annotations, artifactType, subject). */
  annotations?: Record<string, string>;
  artifactType?: string;
  subject?: Descriptor;
}

/** Read the parts of any image (its own bytes are parsed once by the image). */
export async function partsOf(image: Image): Promise<ImageParts> {
  const manifest = await image.manifest();
  const parts: ImageParts = {
    manifestMediaType: await image.mediaType(),
    configMediaType: manifest.config.mediaType,
    config: structuredClone(await image.config()),
    layers: await image.layers(),
  };
  if (manifest.annotations) parts.annotations = { ...manifest.annotations };
  if (manifest.artifactType) parts.artifactType = manifest.artifactType;
  if (manifest.subject) parts.subject = manifest.subject;
  return parts;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= fn());
}

/**
 * An image made from parts: config and manifest bytes are serialised once,
 * on first use; layer bytes come from the layers themselves.
 */
export class ComposedImage implements Image {
  readonly kind = 'image' as const;
  readonly parts: () => Promise<ImageParts>;

  constructor(build: () => Promise<ImageParts>, readonly origin: ImageSource | undefined) {
    this.parts = once(build);
  }

  readonly rawConfig = once(async () => Buffer.from(JSON.stringify((await this.parts()).config)));

  readonly manifest = once(async (): Promise<Manifest> => {
    const parts = await this.parts();
    const configBytes = await this.rawConfig();
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: parts.manifestMediaType,
      config: { mediaType: parts.configMediaType, digest: digestOf(configBytes), size: configBytes.length },
      layers: parts.layers.map((l) => l.descriptor),
    };
    if (parts.artifactType) manifest.artifactType = parts.artifactType;
    if (parts.subject) manifest.subject = parts.subject;
    if (parts.annotations && Object.keys(parts.annotations).length) manifest.annotations = parts.annotations;
    return manifest;
  });

  readonly rawManifest = once(async () => Buffer.from(JSON.stringify(await this.manifest())));

  async mediaType(): Promise<string> {
    return (await this.parts()).manifestMediaType;
  }
  async digest(): Promise<string> {
    return digestOf(await this.rawManifest());
  }
  async descriptor(): Promise<Descriptor> {
    const bytes = await this.rawManifest();
    return { mediaType: await this.mediaType(), digest: digestOf(bytes), size: bytes.length };
  }
  async config(): Promise<ImageConfig> {
    return (await this.parts()).config;
  }
  async configBlob(): Promise<Blob> {
    return blobFromBytes((await this.manifest()).config, await this.rawConfig());
  }
  async layers(): Promise<Layer[]> {
    return (await this.parts()).layers;
  }
  async blobs(): Promise<Blob[]> {
    return [await this.configBlob(), ...(await this.layers())];
  }
}
