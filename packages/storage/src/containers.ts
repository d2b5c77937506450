import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree, writeFileAtomic, type Descriptor } from '@ocikit/oci-image';
import { copyTree, ensureLayers, layerExists, type LayerRecord } from './layers.js';
import { hexOf } from './chain.js';
import { AmbiguousIdError, ContainerNotKnownError, NameInUseError } from './errors.js';
import { openStoreImage, resolveImage } from './images.js';
import { withInflight } from './inflight.js';
import { withLock } from './lock.js';
import { writeRunState } from './run-state.js';
import { idPrefix, repositoryBase } from './names.js';
import { CONTAINER_RECORD, LAYER_TREE, tempName, type DriverName } from './paths.js';
import type { Store } from './store.js';

export interface ContainerRecord {
  id: string;
  name: string;
  /** The name or id the image was asked for by. */
  image: string;
  /** Manifest digest of the image. */
  imageDigest: string;
  /** Chain IDs of the image's layers, bottom first. */
  layers: string[];
  driver: DriverName;
  created: string;
}

export interface CreateContainerOptions {
  name?: string;
  driver?: DriverName;
  signal?: AbortSignal;
  onUnpacked?: (record: LayerRecord) => void;
  /**
   * A container removed after use (podman's --rm): its record is renamed into
   * place without fsync, as containers/storage does for volatile containers.
   * After a power loss that lost the record, `check --repair` removes the dir.
   */
  volatile?: boolean;
  /** The image's descriptor when the caller has just resolved imageRef (saves reading the index again). */
  descriptor?: Descriptor;
}

export const CONTAINERS_LOCK = 'containers';

class LayerVanishedError extends Error {
  constructor(chainId: string) {
    super(`layer ${chainId} was removed by gc while the container was being made`);
  }
}

/**
 * Create a container from an image of the store: layers unpacked once (shared),
 * then a private writable layer. It appears under its id only when complete.
 */
export async function createContainer(store: Store, imageRef: string, options: CreateContainerOptions = {}): Promise<ContainerRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOnce(store, imageRef, options);
    } catch (error) {
      if (!(error instanceof LayerVanishedError) || attempt >= 3) throw error;
    }
  }
}

/** Folders inside a container dir. */
export const containerDirs = {
  upper: 'upper',
  work: 'work',
  merged: 'merged',
  rootfs: 'rootfs',
  /** An empty lower dir for images without layers (overlayfs needs one). */
  empty: 'empty',
} as const;

async function createOnce(store: Store, imageRef: string, options: CreateContainerOptions = {}): Promise<ContainerRecord> {
  const driver = options.driver ?? store.driver;
  return withInflight(store, `create ${imageRef}`, async () => {
    const descriptor = options.descriptor ?? (await resolveImage(store, imageRef)).descriptor;
    const image = await openStoreImage(store, descriptor);
    const ensureOptions = { ...(options.signal ? { signal: options.signal } : {}), ...(options.onUnpacked ? { onUnpacked: options.onUnpacked } : {}) };
    const layers = await ensureLayers(store, driver, image, ensureOptions);
    const id = randomBytes(32).toString('hex');
    const temp = join(store.paths.tmp, tempName(`container-${id.slice(0, 12)}`));
    await mkdir(temp, { recursive: true });
    try {
      if (driver === 'overlay') {
        await Promise.all([containerDirs.upper, containerDirs.work, containerDirs.merged, containerDirs.empty].map((d) => mkdir(join(temp, d))));
      } else {
        const top = layers[layers.length - 1];
        if (top) await copyTree(join(store.paths.layer('vfs', hexOf(top)), LAYER_TREE), join(temp, containerDirs.rootfs));
        else await mkdir(join(temp, containerDirs.rootfs));
      }
      return await withLock(store.paths.locks, CONTAINERS_LOCK, async () => {
        // gc removes layers under this lock: once our record is in, they are ours.
        for (const chainId of layers) {
          if (!(await layerExists(store, driver, hexOf(chainId)))) throw new LayerVanishedError(chainId);
        }
        const existing = await listContainers(store);
        const name = options.name ?? defaultName(imageRef, existing);
        if (existing.some((c) => c.name === name)) throw new NameInUseError(name);
        const record: ContainerRecord = { id, name, image: imageRef, imageDigest: descriptor.digest, layers, driver, created: new Date().toISOString() };
        const text = `${JSON.stringify(record, null, 2)}\n`;
        await (options.volatile ? writeRunState(join(temp, CONTAINER_RECORD), text) : writeFileAtomic(join(temp, CONTAINER_RECORD), text));
        await rename(temp, store.paths.container(id));
        return record;
      });
    } finally {
      await removeTree(temp);
    }
  });
}

function defaultName(imageRef: string, existing: ContainerRecord[]): string {
  const base = `${idPrefix(imageRef) ? 'image' : repositoryBase(imageRef)}-working-container`;
  const taken = new Set(existing.map((c) => c.name));
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export async function readContainerRecord(store: Store, id: string): Promise<ContainerRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(store.paths.container(id), CONTAINER_RECORD), 'utf8')) as ContainerRecord;
  } catch {
    return undefined;
  }
}

export async function listContainers(store: Store): Promise<ContainerRecord[]> {
  const names = await readdir(store.paths.containers).catch(() => [] as string[]);
  const records = await Promise.all(names.filter((n) => !n.startsWith('.')).map((id) => readContainerRecord(store, id)));
  // ISO times sort as plain strings; localeCompare would load ICU collation first (~8 ms of start-up).
  return records.filter((r): r is ContainerRecord => r !== undefined).sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
}

/** A container by full id, unique id prefix, or name. */
export async function findContainer(store: Store, idOrName: string): Promise<ContainerRecord> {
  // A full id (what create prints) is read directly, without listing every container.
  if (/^[0-9a-f]{64}$/.test(idOrName)) {
    const record = await readContainerRecord(store, idOrName);
    if (record) return record;
  }
  const all = await listContainers(store);
  const byName = all.find((c) => c.name === idOrName || c.id === idOrName);
  if (byName) return byName;
  const prefix = idPrefix(idOrName);
  if (prefix) {
    const matches = all.filter((c) => c.id.startsWith(prefix));
    if (matches.length > 1) throw new AmbiguousIdError(prefix, 'container');
    if (matches[0]) return matches[0];
  }
  throw new ContainerNotKnownError(idOrName);
}

/** The record of a container: one in hand (records never change after create) is used as it is, without reading it again. */
export async function containerOf(store: Store, container: string | ContainerRecord): Promise<ContainerRecord> {
  return typeof container === 'string' ? findContainer(store, container) : container;
}

/** Ids of containers made from an image (by manifest digest). */
export async function containersOfImage(store: Store, digest: string): Promise<string[]> {
  return (await listContainers(store)).filter((c) => c.imageDigest === digest).map((c) => c.id);
}

/**
 * Remove a container's record and files. The dir is first renamed away (one
 * atomic step), so a crash leaves either the whole container or a temp dir.
 */
export async function deleteContainerFiles(store: Store, id: string): Promise<void> {
  const trash = join(store.paths.tmp, tempName(`rm-${id.slice(0, 12)}`));
  await withLock(store.paths.locks, CONTAINERS_LOCK, async () => {
    await rename(store.paths.container(id), trash).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  });
  await removeTree(trash);
}
