import { readImage, REF_NAME_ANNOTATION, type Descriptor, type Image, type ImageConfig, type Index } from '@ocikit/oci-image';
import { AmbiguousIdError, ImageInUseError, ImageNotKnownError } from './errors.js';
import { StoreImageSource } from './image-source.js';
import { candidateNames, idPrefix, normaliseImageName } from './names.js';
import type { Store } from './store.js';

export interface ImageRecord {
  /** The manifest digest's hex; short ids are its first 12 digits. */
  id: string;
  digest: string;
  mediaType: string;
  names: string[];
  /** Sum of the manifest, config and layer blob sizes. */
  size: number;
  created: string | undefined;
  layers: number;
}

export interface ResolvedImage {
  descriptor: Descriptor;
  /** The name it was found by, when found by name. */
  name: string | undefined;
}

/** Group index.json entries by digest: one image, several names. */
function imagesOf(index: Index): Map<string, { descriptor: Descriptor; names: string[] }> {
  const byDigest = new Map<string, { descriptor: Descriptor; names: string[] }>();
  for (const d of index.manifests) {
    const entry = byDigest.get(d.digest) ?? { descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size }, names: [] };
    const name = d.annotations?.[REF_NAME_ANNOTATION];
    if (name) entry.names.push(name);
    byDigest.set(d.digest, entry);
  }
  return byDigest;
}

/** Find an image by name (short names tried as podman does) or by (short) id. */
export async function resolveImage(store: Store, nameOrId: string): Promise<ResolvedImage> {
  const index = await store.layout.readIndex();
  const images = imagesOf(index);
  const prefix = idPrefix(nameOrId);
  let names: string[] = [];
  try {
    names = candidateNames(nameOrId);
  } catch (error) {
    if (!prefix) throw error;
  }
  const at = nameOrId.indexOf('@sha256:');
  if (at > 0) {
    // name@digest: the digest decides (the name need not be in the store).
    const found = images.get(nameOrId.slice(at + 1));
    if (found) return { descriptor: found.descriptor, name: undefined };
    throw new ImageNotKnownError(nameOrId);
  }
  for (const name of names) {
    for (const { descriptor, names: imageNames } of images.values()) {
      if (imageNames.includes(name)) return { descriptor, name };
    }
  }
  if (prefix) {
    const matches = [...images.values()].filter((i) => i.descriptor.digest.slice('sha256:'.length).startsWith(prefix));
    if (matches.length > 1) throw new AmbiguousIdError(prefix, 'image');
    if (matches[0]) return { descriptor: matches[0].descriptor, name: undefined };
  }
  throw new ImageNotKnownError(nameOrId);
}

export async function openStoreImage(store: Store, descriptor: Descriptor, reference = `storage:${descriptor.digest}`): Promise<Image> {
  return readImage(new StoreImageSource(store.layout, descriptor, reference));
}

export async function listImages(store: Store): Promise<ImageRecord[]> {
  const images = imagesOf(await store.layout.readIndex());
  const out: ImageRecord[] = [];
  for (const { descriptor, names } of images.values()) {
    let size = descriptor.size;
    let created: string | undefined;
    let layers = 0;
    try {
      const image = await openStoreImage(store, descriptor);
      const manifest = await image.manifest();
      size += manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
      layers = manifest.layers.length;
      created = ((await image.config()) as ImageConfig).created;
    } catch {
      // an index or a damaged image: listed with what we know; `check` says more
    }
    out.push({ id: descriptor.digest.slice('sha256:'.length), digest: descriptor.digest, mediaType: descriptor.mediaType, names, size, created, layers });
  }
  return out;
}

/** Give an image one more name (a name moves from whatever image had it). */
export async function tagImage(store: Store, nameOrId: string, newName: string): Promise<string> {
  const { descriptor } = await resolveImage(store, nameOrId);
  const name = normaliseImageName(newName);
  await store.layout.tag(name, descriptor);
  return name;
}

export interface RemoveImageOptions {
  force?: boolean;
  /** Containers using an image, by manifest digest; rmi refuses while any exist unless forced. */
  usersOf?: (digest: string) => Promise<string[]>;
}

/**
 * Remove a name; when the last name goes (or an id was given), the image.
 * Blobs stay until gc (prune), so a concurrent reader never loses them mid-read.
 */
export async function removeImage(store: Store, nameOrId: string, options: RemoveImageOptions = {}): Promise<{ digest: string; untagged: string[]; removed: boolean }> {
  const { descriptor, name } = await resolveImage(store, nameOrId);
  const result = { digest: descriptor.digest, untagged: [] as string[], removed: false };
  await store.layout.updateIndex(async (index) => {
    const mine = index.manifests.filter((d) => d.digest === descriptor.digest);
    const removeAll = name === undefined || mine.length <= 1;
    if (removeAll && !options.force && options.usersOf) {
      const users = await options.usersOf(descriptor.digest);
      if (users.length) throw new ImageInUseError(name ?? descriptor.digest, users);
    }
    const keep = index.manifests.filter((d) => {
      if (d.digest !== descriptor.digest) return true;
      const ref = d.annotations?.[REF_NAME_ANNOTATION];
      const drop = removeAll || ref === name;
      if (drop && ref) result.untagged.push(ref);
      return !drop;
    });
    result.removed = removeAll;
    return { ...index, manifests: keep };
  });
  return result;
}

/** The image id as printed: 12 hex digits. */
export function shortId(digestOrId: string): string {
  return digestOrId.replace(/^sha256:/, '').slice(0, 12);
}

