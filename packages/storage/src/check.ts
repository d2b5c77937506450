import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree, TEMP_PREFIX } from '@ocikit/oci-image';
import { hexOf } from './chain.js';
import { deleteContainerFiles, listContainers, readContainerRecord } from './containers.js';
import { ensureLayers, layerExists, readLayerRecord, SHORT_LINKS } from './layers.js';
import { imageByDigest } from './commit.js';
import { listInflight, processAlive } from './inflight.js';
import { deadLocks, withLock } from './lock.js';
import { mountLockName, readMountRecord } from './mounts.js';
import { readMountInfo, unmount } from './overlay.js';
import { DRIVERS, tempOwner } from './paths.js';
import { imageBlobs } from './reachable.js';
import type { Store } from './store.js';

export interface Problem {
  /** What kind of thing: image, layer, container, mount, temp, marker, layout. */
  kind: string;
  subject: string;
  message: string;
  /** What --repair did about it (undefined when not repaired). */
  repaired?: string;
}

export interface CheckOptions {
  repair?: boolean;
}

export interface CheckResult {
  ok: boolean;
  problems: Problem[];
}

/**
 * Find what a crash can leave: temp files and dirs of dead processes,
 * images with missing blobs, layers or containers half made, stale mounts and
 * markers. With `repair`, remove what is incomplete (a committed image is
 * never incomplete: its name is written after all its blobs).
 */
export async function checkStore(store: Store, options: CheckOptions = {}): Promise<CheckResult> {
  const problems: Problem[] = [];
  const repair = options.repair ?? false;
  const note = (p: Problem) => problems.push(p);
  const markers = await listInflight(store);
  const othersBusy = markers.some((m) => m.live && m.marker?.pid !== process.pid);
  const staleTemp = (name: string) => {
    const pid = tempOwner(name);
    return pid === undefined ? !othersBusy : !processAlive(pid);
  };

  for (const m of markers) {
    if (m.live) continue;
    note({ kind: 'marker', subject: m.file, message: 'marker of a process that is gone', ...(repair ? { repaired: 'removed' } : {}) });
    if (repair) await rm(m.file, { force: true });
  }

  for (const name of await deadLocks(store.paths.locks, await readdir(store.paths.locks).catch(() => []))) {
    note({ kind: 'lock', subject: name, message: 'lock of a process that is gone', ...(repair ? { repaired: 'removed' } : {}) });
    if (repair) await rm(join(store.paths.locks, name), { recursive: true, force: true });
  }

  // Mounts first: a dead process's temporary mount must go before its temp dir.
  await checkMounts(store, repair, note);

  // Temporary files and dirs of dead processes.
  const blobDir = join(store.layout.root, 'blobs', 'sha256');
  for (const [dir, prefix] of [[blobDir, TEMP_PREFIX], [store.paths.tmp, '']] as const) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.startsWith(prefix) || (prefix === '' && name.startsWith('overlay-probe')) || !staleTemp(name)) continue;
      note({ kind: 'temp', subject: join(dir, name), message: 'left by an interrupted operation', ...(repair ? { repaired: 'removed' } : {}) });
      if (repair) await removeTree(join(dir, name));
    }
  }

  // Images: every blob present; index.json itself must parse.
  let index;
  try {
    index = await store.layout.readIndex();
  } catch (error) {
    note({ kind: 'layout', subject: store.layout.root, message: (error as Error).message });
    return { ok: false, problems };
  }
  const broken: string[] = [];
  for (const d of index.manifests) {
    const { missing } = await imageBlobs(store.layout, d);
    if (missing.length) {
      broken.push(d.digest);
      note({ kind: 'image', subject: d.digest, message: `${missing.length} blob(s) missing or damaged, e.g. ${missing[0]}`, ...(repair ? { repaired: 'image removed' } : {}) });
    }
  }
  if (repair && broken.length) await store.layout.updateIndex((i) => ({ ...i, manifests: i.manifests.filter((d) => !broken.includes(d.digest)) }));

  // Layers: a dir without its record is unfinished.
  for (const driver of DRIVERS) {
    for (const hex of await readdir(store.paths.layersDir(driver)).catch(() => [] as string[])) {
      if (hex.startsWith('.') || (await readLayerRecord(store, driver, hex))) continue;
      note({ kind: 'layer', subject: `${driver}:${hex}`, message: 'unpacked layer without its record', ...(repair ? { repaired: 'removed' } : {}) });
      if (repair) await removeTree(store.paths.layer(driver, hex));
    }
  }

  const links = join(store.paths.layersDir('overlay'), SHORT_LINKS);
  for (const name of await readdir(links).catch(() => [] as string[])) {
    if (await stat(join(links, name)).then(() => true, () => false)) continue;
    note({ kind: 'layer', subject: `${SHORT_LINKS}/${name}`, message: 'short name of a removed layer', ...(repair ? { repaired: 'removed' } : {}) });
    if (repair) await rm(join(links, name), { force: true });
  }

  // Containers: record readable, layers present (re-unpacked from the image on repair).
  for (const id of await readdir(store.paths.containers).catch(() => [] as string[])) {
    if (id.startsWith('.')) continue;
    const c = await readContainerRecord(store, id);
    if (!c) {
      note({ kind: 'container', subject: id, message: 'container dir without a readable record', ...(repair ? { repaired: 'removed' } : {}) });
      if (repair) await removeTree(store.paths.container(id));
      continue;
    }
    const missing = [];
    for (const chainId of c.layers) if (!(await layerExists(store, c.driver, hexOf(chainId)))) missing.push(chainId);
    if (!missing.length) continue;
    let repaired: string | undefined;
    if (repair) {
      try {
        await ensureLayers(store, c.driver, await imageByDigest(store, c.imageDigest));
        repaired = 'layers unpacked again';
      } catch {
        await deleteContainerFiles(store, c.id);
        repaired = 'container removed (its image is gone)';
      }
    }
    note({ kind: 'container', subject: c.id, message: `${missing.length} layer(s) missing`, ...(repaired ? { repaired } : {}) });
  }

  return { ok: problems.every((p) => p.repaired !== undefined), problems };
}

/**
 * Mounts under the store with no container or no count, and counts with no
 * mount. Each container is judged under its mount lock, so a mount being
 * made right now is not taken for a stale one.
 */
async function checkMounts(store: Store, repair: boolean, note: (p: Problem) => void): Promise<void> {
  const containers = new Map((await listContainers(store)).map((c) => [c.id, c]));
  for (const m of await readMountInfo()) {
    if (!m.mountPoint.startsWith(`${store.root}/`) || m.fsType !== 'overlay') continue;
    const rel = m.mountPoint.slice(store.root.length + 1).split('/');
    const owner = rel[0] === 'tmp' ? tempOwner(rel[1] ?? '') : undefined;
    if (owner !== undefined && processAlive(owner)) continue; // a diff's view of the image, in use
    const id = rel[0] === 'containers' ? rel[1] : undefined;
    const judge = async () => {
      const counted = id ? ((await readMountRecord(store, id))?.count ?? 0) > 0 : false;
      if (id && containers.has(id) && counted) return;
      note({ kind: 'mount', subject: m.mountPoint, message: 'stale mount (no container or no user)', ...(repair ? { repaired: 'unmounted' } : {}) });
      if (repair) await unmount(m.mountPoint, true);
    };
    await (id ? withLock(store.paths.locks, mountLockName(id), judge) : judge());
  }
  for (const name of await readdir(store.paths.mounts).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue;
    const id = name.slice(0, -'.json'.length);
    await withLock(store.paths.locks, mountLockName(id), async () => {
      const c = containers.get(id);
      const record = await readMountRecord(store, id);
      const mounted = new Set((await readMountInfo()).map((m) => m.mountPoint));
      const stale = !c || !record || (c.driver === 'overlay' && !mounted.has(record.mountPoint));
      if (!stale) return;
      note({ kind: 'mount', subject: id, message: 'mount count without a mount', ...(repair ? { repaired: 'count reset' } : {}) });
      if (repair) await rm(join(store.paths.mounts, name), { force: true });
    });
  }
}
