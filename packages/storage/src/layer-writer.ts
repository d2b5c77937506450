import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createLayer, tarOfChanges, walkTree, writeLayerBlob, type Change, type Compression, type CreatedLayer } from '@ocikit/oci-image';
import { hexOf } from './chain.js';
import { upperXattrs } from './changes.js';
import { containerDirs, type ContainerRecord } from './containers.js';
import { LAYER_TREE } from './paths.js';
import type { Store } from './store.js';

export interface ContainerLayerOptions {
  compression?: Compression;
  /** Clamp every mtime to this time (SOURCE_DATE_EPOCH, --timestamp) for a reproducible layer. */
  timestamp?: Date;
  signal?: AbortSignal;
}

function sortKey(change: Change): string {
  const path = change.kind === 'add' ? change.node.path : change.path;
  if (change.kind === 'add') return path.replaceAll('/', '\0');
  if (change.kind === 'opaque') return `${path}/.wh..wh..opq`.replace(/^\//, '').replaceAll('/', '\0');
  const slash = path.lastIndexOf('/');
  return (slash < 0 ? `.wh.${path}` : `${path.slice(0, slash)}/.wh.${path.slice(slash + 1)}`).replaceAll('/', '\0');
}

/** The overlay upper dir as layer changes: 0/0 char devices are whiteouts, opaque dirs get the marker. */
function upperChanges(upper: string, opaque: Set<string>, signal?: AbortSignal): Change[] {
  const changes: Change[] = [];
  for (const node of walkTree(upper, signal)) {
    if (node.type === 'char' && node.devmajor === 0 && node.devminor === 0) {
      changes.push({ kind: 'whiteout', path: node.path });
      continue;
    }
    changes.push({ kind: 'add', node });
    if (node.type === 'dir' && opaque.has(node.path)) changes.push({ kind: 'opaque', path: node.path });
  }
  return changes.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/**
 * A container's changes as a layer (a temporary blob in the store's tmp dir;
 * dispose() removes it): the upper dir for overlay, the difference between
 * the container's tree and the image's for the copy driver.
 */
export async function containerLayer(store: Store, c: ContainerRecord, options: ContainerLayerOptions = {}): Promise<CreatedLayer> {
  const dir = store.paths.container(c.id);
  const write = {
    compression: options.compression ?? 'gzip',
    tmpDir: store.paths.tmp,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  };
  if (c.driver === 'overlay') {
    const upper = join(dir, containerDirs.upper);
    const { opaque, xattrs } = await upperXattrs(upper);
    const changes = upperChanges(upper, opaque, options.signal);
    const tar = Readable.from(tarOfChanges(upper, changes, { xattrs, ...(options.signal ? { signal: options.signal } : {}), ...(options.timestamp ? { timestamp: options.timestamp } : {}) }), { objectMode: false });
    return writeLayerBlob(tar, { ...write, entries: () => changes.length });
  }
  const top = c.layers[c.layers.length - 1];
  const base = top ? join(store.paths.layer('vfs', hexOf(top)), LAYER_TREE) : undefined;
  return createLayer({ dir: join(dir, containerDirs.rootfs), ...(base ? { base } : {}), ...write });
}
