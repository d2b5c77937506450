import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoreLocation {
  root: string;
  runroot: string;
}

/**
 * The store CLIs use when none is named: the system store for root, the
 * user's XDG data dir otherwise; `$OCIKIT_STORAGE_ROOT` overrides (its
 * runroot then lives inside it). The caller passes its environment in.
 */
export function defaultStoreLocation(env: Readonly<Record<string, string | undefined>>, uid = process.getuid?.() ?? 0): StoreLocation {
  if (env.OCIKIT_STORAGE_ROOT) return { root: env.OCIKIT_STORAGE_ROOT, runroot: env.OCIKIT_STORAGE_RUNROOT ?? join(env.OCIKIT_STORAGE_ROOT, 'run') };
  if (uid === 0) return { root: '/var/lib/ocikit/storage', runroot: env.OCIKIT_STORAGE_RUNROOT ?? '/run/ocikit/storage' };
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  const runtime = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'ocikit', 'storage') : join(data, 'ocikit', 'storage', 'run');
  return { root: join(data, 'ocikit', 'storage'), runroot: env.OCIKIT_STORAGE_RUNROOT ?? runtime };
}

/** --root/--runroot given on a command line win; a --root alone keeps its runroot inside it. */
export function storeLocation(flags: { root?: string | undefined; runroot?: string | undefined }, env: Readonly<Record<string, string | undefined>>): StoreLocation {
  if (flags.root) return { root: flags.root, runroot: flags.runroot ?? join(flags.root, 'run') };
  const fallback = defaultStoreLocation(env);
  return { root: fallback.root, runroot: flags.runroot ?? fallback.runroot };
}
