import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Image, Layer } from '@ocikit/oci-image';
import { chainIds, hexOf } from './chain.js';
import { withLock } from './lock.js';
import { LAYER_RECORD, LAYER_TREE, type DriverName } from './paths.js';
import type { Store } from './store.js';

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
      // The unpacker (tar reader, applier) is loaded only when a layer is missing.
      const { unpackOne } = await import('./unpack.js');
      await unpackOne(store, record, layers[i] as Layer, options.importBlobs ?? false, options.signal);
      options.onUnpacked?.(record);
      store.logger.debug?.(`unpacked layer ${chainId} (${driver})`);
    });
  };
  if (driver === 'vfs') {
    // Each copy-driver layer starts from its parent's tree: one after another.
    for (let i = 0; i < layers.length; i++) await one(i);
  } else {
    // Overlay layers are independent dirs: two at a time. After a failure no
    // new layer starts, and both workers settle before the error goes up, so
    // the caller's clean-up (its in-flight marker first) never races a layer
    // still being written.
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < layers.length && !failed) {
        await one(next++).catch((error: unknown) => {
          failed = true;
          throw error;
        });
      }
    };
    const settled = await Promise.allSettled([worker(), worker()]);
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  }
  return chain;
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
  // Records read side by side; the listing keeps its order (overlay then vfs, each sorted).
  const perDriver = await Promise.all(
    (['overlay', 'vfs'] as const).map(async (driver) => {
      const names = await readdir(store.paths.layersDir(driver)).catch(() => [] as string[]);
      const hexes = names.filter((hex) => !hex.startsWith('.')).sort();
      return Promise.all(hexes.map(async (hex) => ({ chainId: `sha256:${hex}`, driver, record: await readLayerRecord(store, driver, hex) })));
    }),
  );
  return perDriver.flat();
}

export async function layerExists(store: Store, driver: DriverName, chainHex: string): Promise<boolean> {
  return stat(join(store.paths.layer(driver, chainHex), LAYER_RECORD)).then(() => true, () => false);
}

/** Short names for overlay lower dirs (`.l/HEX16` -> `../HEX/diff`), so ~250 layers fit in one mount's options. */
export const SHORT_LINKS = '.l';

export async function overlayLowerDirs(store: Store, chain: readonly string[]): Promise<string[]> {
  const dir = join(store.paths.layersDir('overlay'), SHORT_LINKS);
  await mkdir(dir, { recursive: true });
  // Links made side by side: one round trip for the whole chain, not one per layer.
  return Promise.all(
    chain.map(async (chainId) => {
      const hex = hexOf(chainId);
      const short = hex.slice(0, 16);
      await symlink(`../${hex}/${LAYER_TREE}`, join(dir, short)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      return `${SHORT_LINKS}/${short}`;
    }),
  );
}
