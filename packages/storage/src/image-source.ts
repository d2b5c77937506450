import type { Readable } from 'node:stream';
import { sniffManifestMediaType, type Descriptor, type ImageSource, type OciLayout, type RawManifest } from '@ocikit/oci-image';

/** Reads one image (or index) of the store's layout, named by its descriptor. */
export class StoreImageSource implements ImageSource {
  constructor(private readonly layout: OciLayout, private readonly top: Descriptor, readonly reference: string) {}

  async getManifest(digest?: string): Promise<RawManifest> {
    if (digest === undefined) {
      const bytes = await this.layout.readBlob(this.top.digest, this.top.size);
      return { bytes, digest: this.top.digest, mediaType: this.top.mediaType ?? sniffManifestMediaType(bytes) };
    }
    const bytes = await this.layout.readBlob(digest);
    return { bytes, digest, mediaType: sniffManifestMediaType(bytes) };
  }

  openBlob(descriptor: Descriptor): Promise<Readable> {
    return this.layout.openBlob(descriptor.digest);
  }

  async close(): Promise<void> {}
}
