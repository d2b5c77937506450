import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import { applyLayer, decompressStream, streamToFileAtomic, writeFileAtomic, type Image, type Layer } from '@ocikit/oci-image';
import { chainIds, hexOf } from './chain.js';
import { withLock } from './lock.js';
import { LAYER_RECORD, LAYER_TREE, tempName, type DriverName } from './paths.js';
import type { Store } from './store.js';
import { writeOverlayWhiteouts, type Whiteout } from './whiteouts.js';

const run = promisify(execFile);

export interface LayerRecord {
  chainId: string;
  diffId: string;
  /** The (compressed) blob it was unpacked from. */
  digest: string;
  parent: string | undefined;
  driver: DriverName;
  created: string;
}

export interface EnsureOptions {
  signal?: AbortSignal;
  /** Called once for each layer this process unpacked (not for ones found ready). */
  onUnpacked?: (record: LayerRecord) => void;
  /**
   * Also store the compressed blob of each layer unpacked here, from the same
   * read: one pass over the source hashes, stores and unpacks (a pull then
   * finds those blobs present). The tree appears only once the blob verified.
   */
  importBlobs?: boolean;
}

export async function readLayerRecord(store: Store, driver: DriverName, chainHex: string): Promise<LayerRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(store.paths.layer(driver, chainHex), LAYER_RECORD), 'utf8')) as LayerRecord;
  } catch {
    return undefined;
  }
}

/** The chain IDs of an image, bottom first. */
export async function imageChain(image: Image): Promise<string[]> {
  return chainIds((await image.config()).rootfs.diff_ids);
}

/**
 * Make sure every layer of the image is unpacked for `driver`, each exactly
 * once however many processes ask at the same time: a lock per chain ID,
 * unpacking into a temporary dir that is renamed into place when complete.
 */
export async function ensureLayers(store: Store, driver: DriverName, image: Image, options: EnsureOptions = {}): Promise<string[]> {
  const layers = await image.layers();
  const chain = await imageChain(image);
  const one = async (i: number) => {
    const chainId = chain[i] as string;
    const hex = hexOf(chainId);
    if (await readLayerRecord(store, driver, hex)) return;
    await withLock(store.paths.locks, `layer-${driver}-${hex}`, async () => {
      if (await readLayerRecord(store, driver, hex)) return;
      const record: LayerRecord = {
        chainId,
        diffId: await (layers[i] as Layer).diffId(),
        digest: (layers[i] as Layer).descriptor.digest,
        parent: chain[i - 1],
        driver,
        created: new Date().toISOString(),
      };
      await unpackOne(store, record, layers[i] as Layer, options.importBlobs ?? false, options.signal);
      options.onUnpacked?.(record);
      store.logger.debug?.(`unpacked layer ${chainId} (${driver})`);
    });
  };
  if (driver === 'vfs') {
    // Each copy-driver layer starts from its parent's tree: one after another.
    for (let i = 0; i < layers.length; i++) await one(i);
  } else {
    // Overlay layers are independent dirs: two at a time.
    let next = 0;
    const worker = async () => {
      while (next < layers.length) await one(next++);
    };
    await Promise.all([worker(), worker()]);
  }
  return chain;
}

async function unpackOne(store: Store, record: LayerRecord, layer: Layer, importBlob: boolean, signal?: AbortSignal): Promise<void> {
  const hex = hexOf(record.chainId);
  const temp = join(store.paths.tmp, tempName(`layer-${hex.slice(0, 12)}`));
  const tree = join(temp, LAYER_TREE);
  await mkdir(temp, { recursive: true });
  try {
    const source = await openLayerOnce(store, layer, importBlob, signal);
    try {
      if (record.driver === 'overlay') {
        await mkdir(tree);
        await unpackOverlayLayer(tree, source.tar, signal);
      } else {
        const parent = record.parent ? join(store.paths.layer('vfs', hexOf(record.parent)), LAYER_TREE) : undefined;
        if (parent) await copyTree(parent, tree);
        else await mkdir(tree);
        await applyLayer(tree, source.tar, applyOptions(signal));
      }
    } catch (error) {
      source.abort(error as Error);
      await source.stored.catch(() => {});
      throw error;
    }
    // The blob is hashed as it is read: its stream ends only if it verified.
    await source.stored;
    await writeFileAtomic(join(temp, LAYER_RECORD), `${JSON.stringify(record)}\n`);
    await rename(temp, store.paths.layer(record.driver, hex)).catch(async (error: NodeJS.ErrnoException) => {
      // Someone else finished it (a lock taken over after going stale): theirs wins.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

interface LayerRead {
  /** The uncompressed tar. */
  tar: Readable;
  /** Settles when the blob is in the store (at once when not importing). */
  stored: Promise<void>;
  /** Stop reading after a failed unpack. */
  abort(error: Error): void;
}

/**
 * Open a layer for unpacking. When importing a blob the store lacks, its
 * verified bytes go both to the store's blob store (a temporary file renamed
 * into place only once the whole stream verified) and to the unpacker.
 */
async function openLayerOnce(store: Store, layer: Layer, importBlob: boolean, signal?: AbortSignal): Promise<LayerRead> {
  const { descriptor } = layer;
  if (!importBlob || (await store.layout.hasBlob(descriptor))) {
    const tar = await layer.uncompressed(signal);
    return { tar, stored: Promise.resolve(), abort: (error) => tar.destroy(error) };
  }
  const path = store.layout.blobPath(descriptor.digest);
  await mkdir(dirname(path), { recursive: true });
  const raw = await layer.open(signal);
  const toStore = new PassThrough({ highWaterMark: 1024 * 1024 });
  const toUnpack = new PassThrough({ highWaterMark: 1024 * 1024 });
  raw.on('error', (error) => {
    toStore.destroy(error);
    toUnpack.destroy(error);
  });
  raw.pipe(toStore);
  raw.pipe(toUnpack);
  const stored = streamToFileAtomic(path, toStore, () => {}, signal);
  stored.catch(() => {}); // awaited by the caller; this only keeps an early failure from being unhandled
  const tar = await decompressStream(toUnpack, layer.compression).catch((error: Error) => {
    raw.destroy(error);
    throw error;
  });
  return { tar, stored, abort: (error) => raw.destroy(error) };
}

function applyOptions(signal?: AbortSignal) {
  return { preserveOwners: process.getuid?.() === 0, ...(signal ? { signal } : {}) };
}

/**
 * Unpack one layer on its own, for use as an overlay lower dir. Whiteouts
 * have nothing below to hide here: the applier tells us of each, and they
 * then become overlayfs whiteouts.
 */
async function unpackOverlayLayer(tree: string, tar: Readable, signal?: AbortSignal): Promise<void> {
  const whiteouts: Whiteout[] = [];
  const onWhiteout = (w: { kind: 'opaque' | 'whiteout'; dir: string; name?: string }) => {
    whiteouts.push({ dir: w.dir, name: w.kind === 'opaque' ? undefined : w.name });
  };
  await applyLayer(tree, tar, { ...applyOptions(signal), onWhiteout });
  await writeOverlayWhiteouts(tree, whiteouts);
}

/** Copy a tree with everything kept (owners, modes, xattrs, hard links, devices); reflinks where the fs can. */
export async function copyTree(from: string, to: string): Promise<void> {
  await run('cp', ['-a', '--reflink=auto', from, to]);
}

export interface LayerListing {
  chainId: string;
  driver: DriverName;
  record: LayerRecord | undefined;
}

/** Every unpacked layer (and unfinished ones, record undefined) of both drivers. */
export async function listLayers(store: Store): Promise<LayerListing[]> {
  const out: LayerListing[] = [];
  for (const driver of ['overlay', 'vfs'] as const) {
    const names = await readdir(store.paths.layersDir(driver)).catch(() => [] as string[]);
    for (const hex of names.sort()) {
      if (hex.startsWith('.')) continue;
      out.push({ chainId: `sha256:${hex}`, driver, record: await readLayerRecord(store, driver, hex) });
    }
  }
  return out;
}

export async function layerExists(store: Store, driver: DriverName, chainHex: string): Promise<boolean> {
  return stat(join(store.paths.layer(driver, chainHex), LAYER_RECORD)).then(() => true, () => false);
}

/** Short names for overlay lower dirs (`.l/HEX16` -> `../HEX/diff`), so ~250 layers fit in one mount's options. */
export const SHORT_LINKS = '.l';

export async function overlayLowerDirs(store: Store, chain: readonly string[]): Promise<string[]> {
  const dir = join(store.paths.layersDir('overlay'), SHORT_LINKS);
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (const chainId of chain) {
    const hex = hexOf(chainId);
    const short = hex.slice(0, 16);
    await symlink(`../${hex}/${LAYER_TREE}`, join(dir, short)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    out.push(`${SHORT_LINKS}/${short}`);
  }
  return out;
}
