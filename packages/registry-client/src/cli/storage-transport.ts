import type { Transport } from '@ocikit/oci-image';
import type { Argv } from './options.js';

/**
 * The storage: transport for oci-registry, when @ocikit/storage is installed
 * beside it (an optional peer: storage sits beside registry-client in the
 * package graph, so the library never imports it; only this CLI does, at
 * run time). The store is --storage-root, else $OCIKIT_STORAGE_ROOT, else the
 * default one.
 */
export async function optionalStorageTransport(argv: Argv): Promise<Transport<any> | undefined> {
  // Loading the store's code costs start-up; only a storage: reference needs it.
  if (!namesStorage(argv)) return undefined;
  let storage: typeof import('@ocikit/storage');
  try {
    storage = await import('@ocikit/storage');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  const location = storage.storeLocation(
    { root: argv['storage-root'] as string | undefined, runroot: argv['storage-runroot'] as string | undefined },
    process.env,
  );
  const driver = argv['storage-driver'] as string | undefined;
  return storage.storageTransport({ ...location, ...(driver ? { driver: storage.assertDriver(driver) } : {}) });
}

/** True when a positional argument of the command line is a storage: reference. */
export function namesStorage(argv: Argv): boolean {
  const words = Object.entries(argv)
    .filter(([key]) => !key.includes('-') && key !== '$0')
    .flatMap(([, value]) => (Array.isArray(value) ? value : [value]));
  return words.some((word) => typeof word === 'string' && word.startsWith('storage:'));
}
