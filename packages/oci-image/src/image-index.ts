import { PlatformNotFoundError, UnsupportedMediaTypeError } from './errors.js';
import { parseIndex, SourceArtifact, SourceImage, type Artifact, type Image } from './image.js';
import { isIndexMediaType, isManifestMediaType } from './media-types.js';
import { formatPlatform, hostPlatform, platformMatches } from './platform.js';
import type { ImageSource, RawManifest } from './transport.js';
import type { Descriptor, Index, Platform } from './types.js';

export interface ImageIndex extends Artifact {
  readonly kind: 'index';
  index(): Promise<Index>;
  manifests(): Promise<Descriptor[]>;
  /** A child image or index by its descriptor. */
  child(descriptor: Descriptor): Promise<Image | ImageIndex>;
  /** The image for a platform (default: this machine's), searching nested indexes. */
  image(platform?: Platform): Promise<Image>;
  readonly origin: ImageSource | undefined;
}

export class SourceIndex extends SourceArtifact implements ImageIndex {
  readonly kind = 'index' as const;
  private indexPromise: Promise<Index> | undefined;

  index(): Promise<Index> {
    this.indexPromise ??= parseIndex(this.raw.bytes, `index ${this.raw.digest}`);
    return this.indexPromise;
  }

  async manifests(): Promise<Descriptor[]> {
    return (await this.index()).manifests;
  }

  async child(descriptor: Descriptor): Promise<Image | ImageIndex> {
    return artifactFromRaw(this.origin, await this.origin.getManifest(descriptor.digest));
  }

  async image(platform: Platform = hostPlatform()): Promise<Image> {
    const found = await findPlatform(this, platform);
    if (found) return found;
    const available = (await this.manifests()).map((d) => formatPlatform(d.platform));
    throw new PlatformNotFoundError(formatPlatform(platform), available);
  }
}

async function findPlatform(index: ImageIndex, platform: Platform): Promise<Image | undefined> {
  const manifests = await index.manifests();
  for (const d of manifests) {
    if (isManifestMediaType(d.mediaType) && platformMatches(d.platform, platform)) {
      return (await index.child(d)) as Image;
    }
  }
  for (const d of manifests) {
    if (isIndexMediaType(d.mediaType)) {
      const nested = (await index.child(d)) as ImageIndex;
      const found = await findPlatform(nested, platform);
      if (found) return found;
    }
  }
  return undefined;
}

/** Wrap manifest bytes as an Image or an ImageIndex, by media type (or by shape when unset). */
export function artifactFromRaw(source: ImageSource, raw: RawManifest): Image | ImageIndex {
  if (isIndexMediaType(raw.mediaType)) return new SourceIndex(source, raw);
  if (isManifestMediaType(raw.mediaType)) return new SourceImage(source, raw);
  throw new UnsupportedMediaTypeError(raw.mediaType, `for manifest ${raw.digest} in ${source.reference}`);
}

/** Media type of manifest bytes: the mediaType field, else guessed from the shape (OCI allows it unset). */
export function sniffManifestMediaType(bytes: Buffer): string {
  let doc: { mediaType?: unknown; manifests?: unknown; config?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'application/octet-stream';
  }
  if (typeof doc?.mediaType === 'string') return doc.mediaType;
  if (Array.isArray(doc?.manifests)) return 'application/vnd.oci.image.index.v1+json';
  if (doc?.config) return 'application/vnd.oci.image.manifest.v1+json';
  return 'application/octet-stream';
}

/** Read what a source's reference names. */
export async function readArtifact(source: ImageSource): Promise<Image | ImageIndex> {
  return artifactFromRaw(source, await source.getManifest());
}

/** Read an image; from an index, the one for the platform (default: this machine's). */
export async function readImage(source: ImageSource, platform?: Platform): Promise<Image> {
  const artifact = await readArtifact(source);
  if (artifact.kind === 'image') return artifact;
  return artifact.image(platform);
}

