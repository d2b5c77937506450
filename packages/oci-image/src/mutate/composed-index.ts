import { digestOf } from '../digest.js';
import type { Image } from '../image.js';
import type { ImageIndex } from '../image-index.js';
import { PlatformNotFoundError } from '../errors.js';
import { MediaTypes } from '../media-types.js';
import { formatPlatform, hostPlatform, platformMatches } from '../platform.js';
import type { ImageSource } from '../transport.js';
import type { Descriptor, Index, Platform } from '../types.js';

export interface IndexEntry {
  artifact: Image | ImageIndex;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** An OCI index made from images (e.g. one per platform); serialised once, on first use. */
export function indexOf(entries: readonly IndexEntry[], annotations?: Record<string, string>): ImageIndex {
  let built: Promise<{ index: Index; bytes: Buffer; byDigest: Map<string, Image | ImageIndex> }> | undefined;
  const build = () =>
    (built ??= (async () => {
      const byDigest = new Map<string, Image | ImageIndex>();
      const manifests: Descriptor[] = [];
      for (const entry of entries) {
        const d: Descriptor = { ...(await entry.artifact.descriptor()) };
        if (entry.platform) d.platform = entry.platform;
        if (entry.annotations) d.annotations = entry.annotations;
        manifests.push(d);
        byDigest.set(d.digest, entry.artifact);
      }
      const index: Index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests };
      if (annotations) index.annotations = annotations;
      return { index, bytes: Buffer.from(JSON.stringify(index)), byDigest };
    })());
  const origin: ImageSource | undefined = entries.find((e) => e.artifact.origin)?.artifact.origin;
  const self: ImageIndex = {
    kind: 'index',
    origin,
    rawManifest: async () => (await build()).bytes,
    mediaType: async () => MediaTypes.ociIndex,
    digest: async () => digestOf((await build()).bytes),
    descriptor: async () => {
      const { bytes } = await build();
      return { mediaType: MediaTypes.ociIndex, digest: digestOf(bytes), size: bytes.length };
    },
    index: async () => (await build()).index,
    manifests: async () => (await build()).index.manifests,
    child: async (d) => {
      const found = (await build()).byDigest.get(d.digest);
      if (!found) throw new Error(`no child ${d.digest} in this index`);
      return found;
    },
    image: async (platform) => {
      const wanted = platform ?? hostPlatform();
      for (const entry of entries) if (entry.artifact.kind === 'image' && platformMatches(entry.platform, wanted)) return entry.artifact;
      throw new PlatformNotFoundError(formatPlatform(wanted), entries.map((e) => formatPlatform(e.platform)));
    },
  };
  return self;
}
