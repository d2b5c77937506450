import { randomBytes } from 'node:crypto';
import { copy, parseReference, readArtifact, type ImageConfig, type Transport } from '@ocikit/oci-image';
import {
  createContainer as createStorageContainer, mountContainer, openStore, openStoreImage, removeContainer as removeStorageContainer,
  resolveImage, storageTransport, unmountContainer, ImageNotKnownError, type Store,
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

export async function openImageStore(location: StoreLocationOptions): Promise<Store> {
  return openStore({ root: location.root, ...(location.runroot ? { runroot: location.runroot } : {}) });
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

/** A private writable rootfs of the image, mounted, with the image's config. */
export async function prepareRootfs(store: Store, image: string, digest: string): Promise<PreparedRootfs> {
  const { descriptor } = await resolveImage(store, digest);
  const config = await (await openStoreImage(store, descriptor)).config();
  const record = await createStorageContainer(store, digest, { name: `oci-pod-${randomBytes(6).toString('hex')}` });
  try {
    const { mountPoint } = await mountContainer(store, record.id);
    return { image, imageDigest: digest, imageConfig: config, rootfs: mountPoint, storageId: record.id };
  } catch (error) {
    await removeStorageContainer(store, record.id, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Unmount and delete the storage container of a removed container. */
export async function releaseRootfs(store: Store, storageId: string): Promise<void> {
  await unmountContainer(store, storageId, { force: true }).catch(() => undefined);
  await removeStorageContainer(store, storageId, { force: true }).catch((error: Error & { code?: string }) => {
    if (error.code !== 'ERR_STORAGE_CONTAINER_UNKNOWN') throw error;
  });
}
