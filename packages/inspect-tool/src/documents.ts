import {
  InvalidJsonError,
  PlatformNotFoundError,
  SchemaValidationError,
  formatPlatform,
  hostPlatform,
  isIndexMediaType,
  isManifestMediaType,
  platformMatches,
  readAll,
  verified,
  type Descriptor,
  type Image,
  type ImageConfig,
  type ImageIndex,
  type Index,
  type Manifest,
  type Platform,
} from '@ocikit/oci-image';

/*
 * Light readers of the three JSON documents for read-only commands. The
 * model's manifest()/config() validate against the JSON schemas with ajv,
 * which costs ~80 ms to load and compile: more than the whole start-up budget
 * of a remote `inspect`. Here the bytes are still digest-verified (by the
 * model and the source), and parsed with the few shape checks the commands
 * rely on, so a broken document still fails with one clear line.
 */

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidJsonError(what, error);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SchemaValidationError(what, ['/: must be an object']);
  return value as Record<string, unknown>;
}

function descriptorProblems(value: unknown, at: string): string[] {
  if (!value || typeof value !== 'object') return [`${at}: must be a descriptor object`];
  const d = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof d.mediaType !== 'string') problems.push(`${at}/mediaType: must be a string`);
  if (typeof d.digest !== 'string' || !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(d.digest)) problems.push(`${at}/digest: must be a digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) problems.push(`${at}/size: must be a non-negative integer`);
  return problems;
}

const manifests = new WeakMap<object, Promise<Manifest>>();
const configs = new WeakMap<object, Promise<{ raw: Buffer; config: ImageConfig }>>();

/** The image manifest, parsed and shape-checked (not schema-validated). */
export function manifestOf(image: Image): Promise<Manifest> {
  let found = manifests.get(image);
  if (!found) {
    found = (async () => {
      const what = `manifest ${await image.digest()}`;
      const doc = parseJson(await image.rawManifest(), what);
      const problems = descriptorProblems(doc.config, '/config');
      if (!Array.isArray(doc.layers)) problems.push('/layers: must be an array');
      else doc.layers.forEach((l, i) => problems.push(...descriptorProblems(l, `/layers/${i}`)));
      if (problems.length) throw new SchemaValidationError(what, problems);
      return doc as unknown as Manifest;
    })();
    manifests.set(image, found);
  }
  return found;
}

export async function indexOf(index: ImageIndex): Promise<Index> {
  const what = `index ${await index.digest()}`;
  const doc = parseJson(await index.rawManifest(), what);
  const problems: string[] = [];
  if (!Array.isArray(doc.manifests)) problems.push('/manifests: must be an array');
  else doc.manifests.forEach((m, i) => problems.push(...descriptorProblems(m, `/manifests/${i}`)));
  if (problems.length) throw new SchemaValidationError(what, problems);
  return doc as unknown as Index;
}

/** The config bytes (verified against the manifest's descriptor) and their parsed, shape-checked value. */
export function configOf(image: Image): Promise<{ raw: Buffer; config: ImageConfig }> {
  let found = configs.get(image);
  if (!found) {
    found = (async () => {
      const manifest = await manifestOf(image);
      const descriptor = manifest.config;
      const raw = image.origin ? await readAll(verified(await image.origin.openBlob(descriptor), descriptor, 'config')) : await image.rawConfig();
      const what = `image config ${descriptor.digest}`;
      const doc = parseJson(raw, what);
      const problems: string[] = [];
      if (doc.config !== undefined && doc.config !== null && typeof doc.config !== 'object') problems.push('/config: must be an object');
      const rootfs = doc.rootfs as { diff_ids?: unknown } | undefined;
      if (rootfs !== undefined && !Array.isArray(rootfs?.diff_ids)) problems.push('/rootfs/diff_ids: must be an array');
      if (doc.history !== undefined && doc.history !== null && !Array.isArray(doc.history)) problems.push('/history: must be an array');
      if (problems.length) throw new SchemaValidationError(what, problems);
      return { raw, config: doc as unknown as ImageConfig };
    })();
    configs.set(image, found);
  }
  return found;
}

/** Resolve an image or index to one image, by platform (default: this machine's), searching nested indexes. */
export async function selectImage(artifact: Image | ImageIndex, platform?: Platform): Promise<Image> {
  if (artifact.kind === 'image') return artifact;
  const wanted = platform ?? hostPlatform();
  const found = await findInIndex(artifact, wanted);
  if (found) return found;
  const available = (await indexOf(artifact)).manifests.map((d) => formatPlatform(d.platform));
  throw new PlatformNotFoundError(formatPlatform(wanted), available);
}

async function findInIndex(index: ImageIndex, platform: Platform): Promise<Image | undefined> {
  const list: Descriptor[] = (await indexOf(index)).manifests;
  const direct = list.find((d) => isManifestMediaType(d.mediaType) && platformMatches(d.platform, platform));
  if (direct) return (await index.child(direct)) as Image;
  for (const d of list) {
    if (!isIndexMediaType(d.mediaType)) continue;
    const found = await findInIndex((await index.child(d)) as ImageIndex, platform);
    if (found) return found;
  }
  return undefined;
}
