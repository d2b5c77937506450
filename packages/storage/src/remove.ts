import { containerOf, deleteContainerFiles, type ContainerRecord } from './containers.js';
import { releaseMounts } from './mounts.js';
import type { Store } from './store.js';

export interface RemoveContainerOptions {
  /** Unmount first even if someone still uses the mount. */
  force?: boolean;
}

/** Remove a container (refused while mounted, unless forced). Its layers stay for gc. */
export async function removeContainer(store: Store, container: string | ContainerRecord, options: RemoveContainerOptions = {}): Promise<ContainerRecord> {
  const c = await containerOf(store, container);
  await releaseMounts(store, c, options.force ?? false);
  await deleteContainerFiles(store, c.id);
  return c;
}
