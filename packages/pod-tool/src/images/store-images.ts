import { randomBytes } from 'node:crypto';
import { LOCAL_TRANSPORT_NAMES, type Descriptor, type ImageConfig } from '@ocikit/oci-image';
import {
  createContainer as createStorageContainer, mountContainer, openStore, openStoreImage, overlayRootOf, removeContainer as removeStorageContainer,
  resolveImage, ImageNotKnownError, type ResolvedImage, type Store,
} from '@ocikit/storage';
import { layeredPathsAreDirs } from '../runtime/layered-rootfs.js';
import { defaultMounts } from '../runtime/spec.js';

/** Where the image store is (the CLI works it out from flags and environment). */
export interface StoreLocationOptions {
  root: string;
  runroot?: string;
}

export interface PreparedRootfs {
  image: string;
  imageDigest: string;
  imageConfig: ImageConfig;
  rootfs: string;
  /** The storage container holding the rootfs: released when the container is removed. */
  storageId: string;
  /** Set when the runtime mounts the rootfs itself (rootfs is then an empty dir): the overlay's mount options. */
  rootOverlay?: { options: string[] };
}

const opened = new Map<string, Promise<Store>>();

/** The store, opened once per process: run --rm opens it to create and again to remove. */
export function openImageStore(location: StoreLocationOptions): Promise<Store> {
  const key = `${location.root}\0${location.runroot ?? ''}`;
  let store = opened.get(key);
  if (!store) {
    store = openStore({ root: location.root, ...(location.runroot ? { runroot: location.runroot } : {}) });
    store.catch(() => opened.delete(key));
    opened.set(key, store);
    // The store remembers its resolved runroot: a record's storage location opens the same store.
    void store.then((s) => opened.set(`${s.root}\0${s.runroot}`, store!), () => undefined);
  }
  return store;
}

/** Transport names a reference can start with (oci:, storage:, docker://, ...), known without loading any transport. */
const TRANSPORT_NAMES = new Set([...LOCAL_TRANSPORT_NAMES, 'storage', 'docker']);

/**
 * An image already in the store, by name or id; undefined when the text
 * names a transport or the store does not have it (pullIntoStore, of
 * ./pull-image.js, then copies it in or says why not). Running an image of
 * the store so loads no transport and no copy code.
 */
export async function findStoredImage(store: Store, text: string): Promise<ResolvedImage | undefined> {
  const colon = text.indexOf(':');
  if (colon > 0 && TRANSPORT_NAMES.has(text.slice(0, colon))) return undefined;
  try {
    return await resolveImage(store, text);
  } catch (error) {
    if (error instanceof ImageNotKnownError) return undefined;
    throw error;
  }
}

export interface PrepareRootfsOptions {
  /** The container is removed after use (--rm): its record is not synced and its mount is volatile, so unmounting waits for no disk sync. */
  throwaway?: boolean;
  /** The image's descriptor when the caller has resolved it already (findStoredImage). */
  descriptor?: Descriptor;
  /**
   * The runtime may mount the overlay itself, as the container's `/` (runc
   * does; the caller knows the run needs no other mount point checked in the
   * rootfs). Then nothing is mounted on the host: no mount(8), no umount(8),
   * nothing to leak. Used only when the image sets no user and no volumes and
   * its /dev, /proc and /sys check out in the layers; else the rootfs is
   * mounted here as usual.
   */
  runtimeMountsRoot?: boolean;
}

/** A private writable rootfs of the image, mounted, with the image's config. */
export async function prepareRootfs(store: Store, image: string, digest: string, options: PrepareRootfsOptions = {}): Promise<PreparedRootfs> {
  const descriptor = options.descriptor ?? (await resolveImage(store, digest)).descriptor;
  // The config is read while the container is made (independent; neither waits for the other's disk).
  const [config, created] = await Promise.allSettled([
    openStoreImage(store, descriptor).then((opened) => opened.config()),
    createStorageContainer(store, digest, { name: `oci-pod-${randomBytes(6).toString('hex')}`, descriptor, ...(options.throwaway ? { volatile: true } : {}) }),
  ]);
  if (created.status === 'rejected') throw created.reason;
  const record = created.value;
  try {
    if (config.status === 'rejected') throw config.reason;
    if (options.runtimeMountsRoot && options.throwaway && !config.value.config?.User && Object.keys(config.value.config?.Volumes ?? {}).length === 0) {
      const root = await overlayRootOf(store, record, { volatile: true });
      if (root && (await layeredPathsAreDirs(root.layers, defaultMounts().map((m) => m.destination)))) {
        return { image, imageDigest: digest, imageConfig: config.value, rootfs: root.target, storageId: record.id, rootOverlay: { options: root.options } };
      }
    }
    const { mountPoint } = await mountContainer(store, record, options.throwaway ? { volatile: true } : {});
    return { image, imageDigest: digest, imageConfig: config.value, rootfs: mountPoint, storageId: record.id };
  } catch (error) {
    await removeStorageContainer(store, record, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Unmount and delete the storage container of a removed container (a forced remove unmounts first, under the mount lock). */
export async function releaseRootfs(store: Store, storageId: string): Promise<void> {
  await removeStorageContainer(store, storageId, { force: true }).catch((error: Error & { code?: string }) => {
    if (error.code !== 'ERR_STORAGE_CONTAINER_UNKNOWN') throw error;
  });
}
