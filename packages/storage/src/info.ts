import { listContainers } from './containers.js';
import { listLayers } from './layers.js';
import { canMountOverlay } from './overlay.js';
import type { DriverName } from './paths.js';
import type { Store } from './store.js';

export interface StoreInfo {
  root: string;
  runroot: string;
  driver: DriverName;
  overlaySupported: boolean;
  images: number;
  containers: number;
  layers: { overlay: number; vfs: number };
}

export async function storeInfo(store: Store): Promise<StoreInfo> {
  // Counts only, asked side by side: images are the index's distinct digests (no manifest or config read).
  const [layers, overlaySupported, index, containers] = await Promise.all([
    listLayers(store),
    canMountOverlay(store.paths),
    store.layout.readIndex(),
    listContainers(store),
  ]);
  return {
    root: store.root,
    runroot: store.runroot,
    driver: store.driver,
    overlaySupported,
    images: new Set(index.manifests.map((d) => d.digest)).size,
    containers: containers.length,
    layers: { overlay: layers.filter((l) => l.driver === 'overlay').length, vfs: layers.filter((l) => l.driver === 'vfs').length },
  };
}
