import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { applyLayer, decompressStream, removeTree, streamToFileAtomic, writeFileAtomic, type Layer } from '@ocikit/oci-image';
import { hexOf } from './chain.js';
import { copyTree, type LayerRecord } from './layers.js';
import { LAYER_RECORD, LAYER_TREE, tempName } from './paths.js';
import type { Store } from './store.js';
import { writeOverlayWhiteouts, type Whiteout } from './whiteouts.js';

/**
 * Unpack one layer into a temporary dir and rename it into place with its
 * record (the caller holds the layer's lock). With `importBlob`, the blob is
 * stored from the same read, and the tree appears only once it verified.
 */
export async function unpackOne(store: Store, record: LayerRecord, layer: Layer, importBlob: boolean, signal?: AbortSignal): Promise<void> {
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
    await removeTree(temp);
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
  const tar = await decompressStream(toUnpack, layer.compression).catch(async (error: Error) => {
    raw.destroy(error);
    await stored.catch(() => {}); // its temporary file is gone once this settles
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

