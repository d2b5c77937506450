import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tarOfChanges, walkTree, type Change } from '@ocikit/oci-image';
import { mountContainer, unmountContainer } from './mounts.js';
import type { Store } from './store.js';

/** Write a container's whole filesystem as a plain tar (like `podman export`); mounted for the time it takes. */
export async function exportContainer(store: Store, idOrName: string, out: Writable, signal?: AbortSignal): Promise<void> {
  const { id, mountPoint } = await mountContainer(store, idOrName);
  try {
    const changes: Change[] = walkTree(mountPoint, signal).map((node) => ({ kind: 'add', node }));
    const tar = Readable.from(tarOfChanges(mountPoint, changes, signal ? { signal } : {}), { objectMode: false });
    await pipeline(tar, out, signal ? { signal } : {});
  } finally {
    await unmountContainer(store, id);
  }
}
