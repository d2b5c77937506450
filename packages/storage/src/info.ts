import { listContainers } from './containers.js';
import { listImages } from './images.js';
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
  const layers = await listLayers(store);
  return {
    root: store.root,
    runroot: store.runroot,
    driver: store.driver,
    overlaySupported: await canMountOverlay(store.paths),
    images: (await listImages(store)).length,
    containers: (await listContainers(store)).length,
    layers: { overlay: layers.filter((l) => l.driver === 'overlay').length, vfs: layers.filter((l) => l.driver === 'vfs').length },
  };
}
