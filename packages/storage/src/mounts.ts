import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { overlayLowerDirs } from './layers.js';
import { containerDirs, containerOf, findContainer, type ContainerRecord } from './containers.js';
import { ContainerMountedError } from './errors.js';
import { withLock } from './lock.js';
import { isMounted, mountOverlay, overlayOptions, unmount } from './overlay.js';
import { writeRunState } from './run-state.js';
import type { Store } from './store.js';

export interface MountRecord {
  count: number;
  mountPoint: string;
}

export async function readMountRecord(store: Store, id: string): Promise<MountRecord | undefined> {
  try {
    return JSON.parse(await readFile(store.paths.mountRecord(id), 'utf8')) as MountRecord;
  } catch {
    return undefined;
  }
}

async function writeMountRecord(store: Store, id: string, record: MountRecord | undefined): Promise<void> {
  if (!record || record.count <= 0) await rm(store.paths.mountRecord(id), { force: true });
  else await writeRunState(store.paths.mountRecord(id), `${JSON.stringify(record)}\n`);
}

/** Where a container's filesystem appears when mounted. */
export function mountPointOf(store: Store, c: ContainerRecord): string {
  return join(store.paths.container(c.id), c.driver === 'overlay' ? containerDirs.merged : containerDirs.rootfs);
}

export function mountLockName(id: string): string {
  return `mount-${id}`;
}

export interface MountOptions {
  /** Mount overlay `volatile` (no syncs) for a container that is removed after use; see OverlayMount. */
  volatile?: boolean;
}

/**
 * Mount a container's filesystem and count the user; a second user gets the
 * same mount point. A count whose mount vanished (reboot, crash, someone's
 * umount) is reset, so the mount is made again.
 */
export async function mountContainer(store: Store, container: string | ContainerRecord, options: MountOptions = {}): Promise<{ id: string; mountPoint: string; count: number }> {
  const c = await containerOf(store, container);
  const mountPoint = mountPointOf(store, c);
  return withLock(store.paths.locks, mountLockName(c.id), async () => {
    store.logger.debug?.(`mount ${c.id}`);
    const record = await readMountRecord(store, c.id);
    let count = record?.count ?? 0;
    if (c.driver === 'overlay') {
      const mounted = await isMounted(mountPoint);
      // Mounted but not counted (a crashed user): the count of 0 adopts it.
      if (!mounted) {
        await mountOverlay({ ...(await overlaySpec(store, c, mountPoint)), ...(options.volatile ? { volatile: true } : {}) });
        count = 0;
      }
    }
    count += 1;
    await writeMountRecord(store, c.id, { count, mountPoint });
    return { id: c.id, mountPoint, count };
  });
}

async function overlaySpec(store: Store, c: ContainerRecord, target: string) {
  const dir = store.paths.container(c.id);
  const layersDir = store.paths.layersDir('overlay');
  const lower = await overlayLowerDirs(store, [...c.layers].reverse());
  // overlayfs needs a lower dir; an image without layers gets an empty one.
  if (lower.length === 0) lower.push(join(dir, containerDirs.empty));
  return { lower, layersDir, upper: join(dir, containerDirs.upper), work: join(dir, containerDirs.work), target };
}

/** An overlay a runtime mounts itself, as the container's `/`: nothing is mounted on the host. */
export interface OverlayRoot {
  /** The empty dir to give the runtime as root.path (the container's merged dir, never mounted here). */
  target: string;
  /** overlay mount options, lower dirs absolute. */
  options: string[];
  /** The upper dir, then the lower dirs top-most first: the layers the merged view is made of. */
  layers: string[];
}

/**
 * The overlay of a container as a runtime would mount it for itself (runc
 * takes an overlay mount on `/` in config.json): no host mount, so nothing
 * to unmount or to leak when the container ends. Undefined when the driver
 * is not overlay or the options would not fit a page.
 */
export async function overlayRootOf(store: Store, container: string | ContainerRecord, options: { volatile?: boolean } = {}): Promise<OverlayRoot | undefined> {
  const c = await containerOf(store, container);
  if (c.driver !== 'overlay') return undefined;
  const spec = await overlaySpec(store, c, mountPointOf(store, c));
  const lower = spec.lower.map((dir) => (dir.startsWith('/') ? dir : join(spec.layersDir, dir)));
  const mountOptions = overlayOptions({ ...spec, lower, ...(options.volatile ? { volatile: true } : {}) });
  if (mountOptions.join(',').length > 3500) return undefined;
  return { target: spec.target, options: mountOptions, layers: [spec.upper, ...lower] };
}

export interface UnmountOptions {
  /** Unmount whatever the count says. */
  force?: boolean;
}

/** Drop one user; the last one unmounts. Returns the users left. */
export async function unmountContainer(store: Store, idOrName: string, options: UnmountOptions = {}): Promise<{ id: string; count: number }> {
  const c = await findContainer(store, idOrName);
  return withLock(store.paths.locks, mountLockName(c.id), () => unmountLocked(store, c, options.force ?? false));
}

interface MountState {
  record: Awaited<ReturnType<typeof readMountRecord>>;
  /** The overlay is mounted now (a vfs container never is). */
  mounted: boolean;
}

async function mountState(store: Store, c: ContainerRecord): Promise<MountState> {
  const record = await readMountRecord(store, c.id);
  return { record, mounted: c.driver === 'overlay' && (await isMounted(mountPointOf(store, c))) };
}

/** Under the mount lock; `state` when the caller has read it already. */
async function unmountLocked(store: Store, c: ContainerRecord, force: boolean, state?: MountState): Promise<{ id: string; count: number }> {
  const record = state ? state.record : await readMountRecord(store, c.id);
  const mountPoint = mountPointOf(store, c);
  const count = force ? 0 : Math.max(0, (record?.count ?? 0) - 1);
  // The mount table is read only when the count reaches zero.
  if (count === 0 && (state ? state.mounted : c.driver === 'overlay' && (await isMounted(mountPoint)))) await unmount(mountPoint);
  await writeMountRecord(store, c.id, count ? { count, mountPoint } : undefined);
  return { id: c.id, count };
}

/** Refuse while mounted (unless forced, then unmount); used by rm. */
export async function releaseMounts(store: Store, c: ContainerRecord, force: boolean): Promise<void> {
  await withLock(store.paths.locks, mountLockName(c.id), async () => {
    const state = await mountState(store, c);
    if (!force && state.record && state.record.count > 0 && (state.mounted || c.driver === 'vfs')) throw new ContainerMountedError(c.id, state.record.count);
    await unmountLocked(store, c, true, state);
  });
}
