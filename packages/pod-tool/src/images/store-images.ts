import { randomBytes } from 'node:crypto';
import { copy, parseReference, readArtifact, type ImageConfig, type Transport } from '@ocikit/oci-image';
import {
  createContainer as createStorageContainer, mountContainer, openStore, openStoreImage, removeContainer as removeStorageContainer,
  resolveImage, storageTransport, ImageNotKnownError, type Store,
} from '@ocikit/storage';

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

/** Transports a reference may name, storage: for this store among them. */
export function transportsFor(store: Store, others: readonly Transport<any>[]): Transport<any>[] {
  return [...others, storageTransport({ root: store.root, runroot: store.runroot, driver: store.driver })];
}

/**
 * The digest (and name, if it has one) of an image in the store: a reference of another transport
 * (oci:, docker://, ...) is copied in first; a name or id is looked up; a
 * name with a registry host that is missing is pulled from there.
 */
export async function pullIntoStore(store: Store, text: string, others: readonly Transport<any>[], signal?: AbortSignal): Promise<{ digest: string; name?: string }> {
  const transports = transportsFor(store, others);
  const colon = text.indexOf(':');
  const named = colon > 0 && transports.some((t) => t.name === text.slice(0, colon));
  if (!named) {
    try {
      const found = await resolveImage(store, text);
      return { digest: found.descriptor.digest, ...(found.name ? { name: found.name } : {}) };
    } catch (error) {
      const host = text.split('/')[0] ?? '';
      const hasRegistry = text.includes('/') && (host.includes('.') || host.includes(':') || host === 'localhost');
      if (!(error instanceof ImageNotKnownError) || !hasRegistry || !transports.some((t) => t.name === 'docker')) throw error;
      return pullIntoStore(store, `docker://${text}`, others, signal);
    }
  }
  const src = parseReference(text, transports);
  if (src.transport.name === 'storage') {
    const found = await resolveImage(store, (src.value as { name: string }).name);
    return { digest: found.descriptor.digest, ...(found.name ? { name: found.name } : {}) };
  }
  const source = await src.transport.openSource(src.value);
  try {
    // Stored under the reference's own name when it has one, as podman pull does.
    const name = storedName(text);
    const dst = parseReference(`storage:${name}`, transports);
    const result = await copy(await readArtifact(source), await dst.transport.openDestination(dst.value), signal ? { signal } : {});
    return { digest: result.digest, ...(name ? { name } : {}) };
  } finally {
    await source.close();
  }
}

function storedName(text: string): string {
  if (text.startsWith('docker://')) return text.slice('docker://'.length).split('@')[0]!;
  return '';
}

export interface PrepareRootfsOptions {
  /** The container is removed after use (--rm): mount it volatile, so unmounting waits for no disk sync. */
  throwaway?: boolean;
}

/** A private writable rootfs of the image, mounted, with the image's config. */
export async function prepareRootfs(store: Store, image: string, digest: string, options: PrepareRootfsOptions = {}): Promise<PreparedRootfs> {
  const { descriptor } = await resolveImage(store, digest);
  const config = await (await openStoreImage(store, descriptor)).config();
  const record = await createStorageContainer(store, digest, { name: `oci-pod-${randomBytes(6).toString('hex')}` });
  try {
    const { mountPoint } = await mountContainer(store, record.id, options.throwaway ? { volatile: true } : {});
    return { image, imageDigest: digest, imageConfig: config, rootfs: mountPoint, storageId: record.id };
  } catch (error) {
    await removeStorageContainer(store, record.id, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Unmount and delete the storage container of a removed container (a forced remove unmounts first, under the mount lock). */
export async function releaseRootfs(store: Store, storageId: string): Promise<void> {
  await removeStorageContainer(store, storageId, { force: true }).catch((error: Error & { code?: string }) => {
    if (error.code !== 'ERR_STORAGE_CONTAINER_UNKNOWN') throw error;
  });
}
