import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { imageConfigToRuntimeSpec, type RuntimeSpec } from '../conversion.js';
import { VerifyingStream } from '../digest.js';
import { OciError } from '../errors.js';
import type { Image } from '../image.js';
import type { Logger } from '../transport.js';
import { applyLayer, type ApplyStats } from './apply.js';
import type { CreatedLayer, LayerWriteOptions } from './create.js';
import { layerOfChanges } from './create.js';
import { diffTrees } from './diff.js';
import { defaultRuntimeSpec } from './runtime-defaults.js';
import { walkTree, type TreeNode } from './tree.js';

/** What `unpack` records in a bundle so that `repack` can find the changes and the base image. */
export interface BundleMetadata {
  version: 1;
  /** The reference the image was unpacked from, as given. */
  reference?: string;
  manifestDigest: string;
  configDigest: string;
  diffIds: string[];
}

export const BUNDLE_METADATA_FILE = 'ocikit-bundle.json';
/** One JSON array per path: the tree as unpacked (like umoci's mtree file, without content hashes). */
export const BUNDLE_TREE_FILE = 'ocikit-bundle.tree';

export interface UnpackOptions {
  signal?: AbortSignal;
  logger?: Logger;
  /** chown and create devices; the CLI passes true when running as root. */
  preserveOwners?: boolean;
  /** Recorded for repack, e.g. oci:DIR:TAG. */
  reference?: string;
  maxEntries?: number;
}

export interface UnpackResult {
  bundle: string;
  rootfs: string;
  metadata: BundleMetadata;
  layers: ApplyStats[];
}

function isEmptyOrMissing(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** An uncompressed layer checked against its diffID as it is read. */
async function verifiedTar(layer: Awaited<ReturnType<Image['layers']>>[number], signal?: AbortSignal): Promise<Readable> {
  const diffId = await layer.diffId();
  return pipeline(await layer.uncompressed(signal), new VerifyingStream(diffId, undefined, `layer diffID ${diffId}`), () => {});
}

/**
 * Unpack an image into a runtime bundle (rootfs/ and config.json), as
 * `umoci unpack` does, recording the tree and the image for repack.
 */
export async function unpack(image: Image, bundle: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const rootfs = join(bundle, 'rootfs');
  if (!isEmptyOrMissing(rootfs)) {
    throw new OciError('ERR_OCI_BUNDLE_EXISTS', `${rootfs} already exists and is not empty`, { hint: 'unpack into a new folder' });
  }
  mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  const [config, layers, manifest] = await Promise.all([image.config(), image.layers(), image.manifest()]);
  const stats: ApplyStats[] = [];
  for (const layer of layers) {
    stats.push(
      await applyLayer(rootfs, await verifiedTar(layer, options.signal), {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
        preserveOwners: options.preserveOwners ?? false,
      }),
    );
  }
  const spec = await imageConfigToRuntimeSpec(config, { rootfs });
  writeFileSync(join(bundle, 'config.json'), `${JSON.stringify(mergeSpec(defaultRuntimeSpec(), spec), null, 2)}\n`);
  const metadata: BundleMetadata = {
    version: 1,
    ...(options.reference ? { reference: options.reference } : {}),
    manifestDigest: await image.digest(),
    configDigest: manifest.config.digest,
    diffIds: config.rootfs.diff_ids,
  };
  recordBundleState(bundle, metadata, walkTree(rootfs, options.signal));
  return { bundle, rootfs, metadata, layers: stats };
}

/** The image's parts over the runtime defaults; mounts from both. */
function mergeSpec(defaults: RuntimeSpec, fromImage: RuntimeSpec): RuntimeSpec {
  return {
    ...defaults,
    ...fromImage,
    process: { ...defaults.process, ...fromImage.process } as RuntimeSpec['process'],
    mounts: [...(defaults.mounts ?? []), ...(fromImage.mounts ?? [])],
    linux: { ...defaults.linux, ...fromImage.linux },
  };
}

/** Write the bundle's metadata and tree record (after unpack, and after a repack was committed). */
export function recordBundleState(bundle: string, metadata: BundleMetadata, tree: readonly TreeNode[]): void {
  const lines = tree.map((n) => JSON.stringify([n.path, n.type, n.mode, n.uid, n.gid, n.size, n.mtimeMs, n.ctimeMs, n.ino, n.dev, n.nlink, n.linkname ?? null, n.devmajor ?? null, n.devminor ?? null]));
  writeFileSync(join(bundle, BUNDLE_TREE_FILE), lines.length ? `${lines.join('\n')}\n` : '');
  writeFileSync(join(bundle, BUNDLE_METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
}

export function readBundleMetadata(bundle: string): BundleMetadata {
  let text: string;
  try {
    text = readFileSync(join(bundle, BUNDLE_METADATA_FILE), 'utf8');
  } catch (error) {
    throw new OciError('ERR_OCI_BUNDLE', `${bundle} is not a bundle made by oci-image unpack (no ${BUNDLE_METADATA_FILE})`, { cause: error });
  }
  const metadata = JSON.parse(text) as BundleMetadata;
  if (metadata.version !== 1 || typeof metadata.manifestDigest !== 'string') throw new OciError('ERR_OCI_BUNDLE', `${BUNDLE_METADATA_FILE} in ${bundle} is not understood`);
  return metadata;
}

function readBundleTree(bundle: string): Map<string, TreeNode> {
  const tree = new Map<string, TreeNode>();
  const text = readFileSync(join(bundle, BUNDLE_TREE_FILE), 'utf8');
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [path, type, mode, uid, gid, size, mtimeMs, ctimeMs, ino, dev, nlink, linkname, devmajor, devminor] = JSON.parse(line) as [string, TreeNode['type'], ...number[]];
    const node: TreeNode = { path, type, mode: mode!, uid: uid!, gid: gid!, size: size!, mtimeMs: mtimeMs!, ctimeMs: ctimeMs!, ino: ino!, dev: dev!, nlink: nlink! };
    if (linkname !== null) node.linkname = linkname as unknown as string;
    if (devmajor !== null) node.devmajor = devmajor!;
    if (devminor !== null) node.devminor = devminor!;
    tree.set(path, node);
  }
  return tree;
}

export interface RepackOptions extends LayerWriteOptions {
  xattrs?: boolean;
}

export interface RepackResult {
  layer: CreatedLayer;
  metadata: BundleMetadata;
  added: number;
  deleted: number;
  /** The tree as it was packed; pass it to recordBundleState once the image is written. */
  tree: TreeNode[];
}

/** A layer of what changed in the bundle's rootfs since unpack (or the last recorded repack). */
export async function repack(bundle: string, options: RepackOptions = {}): Promise<RepackResult> {
  const metadata = readBundleMetadata(bundle);
  const rootfs = join(bundle, 'rootfs');
  if (!lstatSync(rootfs).isDirectory()) throw new OciError('ERR_OCI_BUNDLE', `${rootfs} is not a directory`);
  const before = readBundleTree(bundle);
  const tree = walkTree(rootfs, options.signal);
  const changes = diffTrees(tree, before, { mode: 'snapshot' });
  const layer = await layerOfChanges(rootfs, changes, options);
  return {
    layer,
    metadata,
    added: changes.filter((c) => c.kind === 'add').length,
    deleted: changes.filter((c) => c.kind !== 'add').length,
    tree,
  };
}
