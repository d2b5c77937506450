import { isIndexMediaType, sniffManifestMediaType, type Descriptor, type Index, type Manifest, type OciLayout } from '@ocikit/oci-image';

export interface ImageBlobs {
  /** Every blob the image names: manifests, configs, layers. */
  digests: Set<string>;
  /** Those missing (or of the wrong size) in the layout. */
  missing: string[];
  /** diff_ids lists of each image config found (for chain IDs). */
  diffIds: string[][];
}

/** Walk an image or index in a layout and list what it needs (manifests are read and verified). */
export async function imageBlobs(layout: OciLayout, top: { digest: string; size?: number | undefined }, into?: ImageBlobs): Promise<ImageBlobs> {
  const out = into ?? { digests: new Set<string>(), missing: [], diffIds: [] };
  out.digests.add(top.digest);
  let bytes: Buffer;
  try {
    bytes = await layout.readBlob(top.digest, top.size);
  } catch {
    out.missing.push(top.digest);
    return out;
  }
  let doc: Manifest & Index;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Manifest & Index;
  } catch {
    out.missing.push(top.digest);
    return out;
  }
  if (isIndexMediaType(sniffManifestMediaType(bytes))) {
    for (const child of doc.manifests ?? []) await imageBlobs(layout, child, out);
    return out;
  }
  const others = [doc.config, ...(doc.layers ?? [])].filter((d): d is Descriptor => Boolean(d));
  for (const d of others) {
    out.digests.add(d.digest);
    if (!(await layout.hasBlob(d))) out.missing.push(d.digest);
  }
  if (doc.config && !out.missing.includes(doc.config.digest)) {
    try {
      const config = JSON.parse((await layout.readBlob(doc.config.digest, doc.config.size)).toString('utf8')) as { rootfs?: { diff_ids?: string[] } };
      out.diffIds.push(config.rootfs?.diff_ids ?? []);
    } catch {
      out.missing.push(doc.config.digest);
    }
  }
  return out;
}
