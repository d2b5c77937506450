import { localTransportsWith, parseReference, type Transport } from '@ocikit/oci-image';
import { processStdio } from '@ocikit/oci-image/cli';
import { resolveImage } from '../images.js';
import type { DriverName } from '../paths.js';
import { createFromSource, pullImage } from '../pull.js';
import { createContainer, type ContainerRecord } from '../containers.js';
import type { Store } from '../store.js';
import { storageTransport } from '../transport.js';

/** Transports a command line may name: the local ones of oci-image plus storage: for this store. */
export function transportsFor(store: Store): Transport<any>[] {
  return [...localTransportsWith(processStdio()), storageTransport({ root: store.root, runroot: store.runroot, driver: store.driver })];
}

/** Does this text name another transport (oci:DIR:TAG ...) rather than an image of the store? */
export function isTransportReference(text: string, transports: readonly Transport<any>[]): boolean {
  const colon = text.indexOf(':');
  return colon > 0 && transports.some((t) => t.name === text.slice(0, colon));
}

/**
 * An image of the store by name or id; a reference of another transport is
 * pulled in first (stored under `name`, or unnamed) and its digest returned.
 */
export async function imageInStore(store: Store, text: string, options: { name?: string; unpackFor?: DriverName; signal?: AbortSignal } = {}): Promise<string> {
  const transports = transportsFor(store);
  if (!isTransportReference(text, transports)) return (await resolveImage(store, text)).descriptor.digest;
  const src = parseReference(text, transports);
  if (src.transport.name === 'storage' && !options.name) return (await resolveImage(store, (src.value as { name: string }).name)).descriptor.digest;
  const source = await src.transport.openSource(src.value);
  try {
    return (await pullImage(store, source, options)).digest;
  } finally {
    await source.close();
  }
}

/** A container made by `create --mount`: its record, where it is mounted and by how many users. */
export interface MountedContainer extends ContainerRecord {
  mountPoint: string;
  mounts: number;
}

/**
 * `create --mount IMAGE`: create and mount in one process (what `buildah from`
 * gives: a working container ready to use). A failed mount removes the new
 * container again, so the command either gives both or leaves nothing.
 */
export async function createMountedFromText(store: Store, text: string, options: { name?: string; driver: DriverName; signal?: AbortSignal }): Promise<MountedContainer> {
  const c = await createFromText(store, text, options);
  const { mountContainer } = await import('../mounts.js');
  try {
    const { mountPoint, count } = await mountContainer(store, c);
    return { ...c, mountPoint, mounts: count };
  } catch (error) {
    const { removeContainer } = await import('../remove.js');
    await removeContainer(store, c, { force: true }).catch(() => {});
    throw error;
  }
}

/** `create IMAGE`: from the store, or pulled from another transport first (one library call each way). */
export async function createFromText(store: Store, text: string, options: { name?: string; driver: DriverName; signal?: AbortSignal }): Promise<ContainerRecord> {
  const transports = transportsFor(store);
  const create = { driver: options.driver, ...(options.name ? { name: options.name } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  if (!isTransportReference(text, transports) || text.startsWith('storage:')) {
    const name = text.startsWith('storage:') ? ((parseReference(text, transports).value as { name?: string }).name ?? text) : text;
    return createContainer(store, name, create);
  }
  const src = parseReference(text, transports);
  const source = await src.transport.openSource(src.value);
  try {
    return await createFromSource(store, source, create);
  } finally {
    await source.close();
  }
}
