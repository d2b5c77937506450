import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { REF_NAME_ANNOTATION, removeTree } from '@ocikit/oci-image';
import { chainIds, hexOf } from './chain.js';
import { CONTAINERS_LOCK, listContainers } from './containers.js';
import { listInflight } from './inflight.js';
import { SHORT_LINKS } from './layers.js';
import { withLock } from './lock.js';
import { DRIVERS, tempName } from './paths.js';
import { imageBlobs, type ImageBlobs } from './reachable.js';
import type { Store } from './store.js';

export interface PruneOptions {
  /** Also remove images without a name that no container uses. */
  dangling?: boolean;
}

export interface PruneResult {
  removedImages: string[];
  removedBlobs: number;
  removedLayers: number;
  freedBytes: number;
  /** Why blobs were kept, when another process was writing. */
  skipped: string | undefined;
}

/**
 * Garbage collection: blobs no image or container needs, and unpacked layers
 * no image or container uses. Runs under the index lock and the containers
 * lock, the same locks pulls and creates take to publish what they made.
 */
export async function pruneStore(store: Store, options: PruneOptions = {}): Promise<PruneResult> {
  const result: PruneResult = { removedImages: [], removedBlobs: 0, removedLayers: 0, freedBytes: 0, skipped: undefined };
  await withLock(store.paths.locks, CONTAINERS_LOCK, async () => {
    const containers = await listContainers(store);
    await store.layout.updateIndex(async (index) => {
      // Another process pulling or creating may be about to name or use what looks unused now.
      const writers = (await listInflight(store)).filter((m) => m.live && m.marker?.pid !== process.pid);
      const used = new Set(containers.map((c) => c.imageDigest));
      let manifests = index.manifests;
      if (options.dangling && !writers.length) {
        const named = new Set(manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION]).map((d) => d.digest));
        manifests = manifests.filter((d) => {
          const drop = !named.has(d.digest) && !used.has(d.digest);
          if (drop) result.removedImages.push(d.digest);
          return !drop;
        });
      }
      const live: ImageBlobs = { digests: new Set(), missing: [], diffIds: [] };
      for (const d of manifests) await imageBlobs(store.layout, d, live);
      for (const digest of used) await imageBlobs(store.layout, { digest }, live);
      const chains = new Set<string>();
      for (const ids of live.diffIds) for (const id of chainIds(ids)) chains.add(hexOf(id));
      for (const c of containers) for (const id of c.layers) chains.add(hexOf(id));
      if (writers.length) {
        result.skipped = `${writers.length} operation(s) in progress (${writers[0]?.marker?.what}); blobs and layers kept`;
      } else {
        await removeBlobs(store, live.digests, result);
        await removeLayers(store, chains, result);
      }
      return { ...index, manifests };
    });
  });
  return result;
}

async function removeBlobs(store: Store, keep: Set<string>, result: PruneResult): Promise<void> {
  const dir = join(store.layout.root, 'blobs', 'sha256');
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith('.') || keep.has(`sha256:${name}`)) continue;
    const path = join(dir, name);
    result.freedBytes += (await stat(path).catch(() => ({ size: 0 }))).size;
    await rm(path, { force: true });
    result.removedBlobs++;
  }
}

async function removeLayers(store: Store, keep: Set<string>, result: PruneResult): Promise<void> {
  for (const driver of DRIVERS) {
    const dir = store.paths.layersDir(driver);
    for (const hex of await readdir(dir).catch(() => [] as string[])) {
      if (hex.startsWith('.') || keep.has(hex)) continue;
      // Out of sight in one step, then deleted at leisure.
      const trash = join(store.paths.tmp, tempName(`gc-${hex.slice(0, 12)}`));
      await rename(join(dir, hex), trash);
      if (driver === 'overlay') await rm(join(dir, SHORT_LINKS, hex.slice(0, 16)), { force: true });
      await removeTree(trash);
      result.removedLayers++;
    }
  }
}
