import type { StdioOptions } from 'node:child_process';
import { isAbsolute, posix } from 'node:path';
import { resolveUser, type Transport } from '@ocikit/oci-image';
import { mountContainer, unmountContainer, type Store } from '@ocikit/storage';
import { copyMatches } from '../build/copy-files.js';
import { DEFAULT_PATH } from '../build/config-ops.js';
import { runInRootfs, type Isolation, type RunMountSpec } from '../build/runner.js';
import { hasGlob, matchSources, type SourceRoot } from '../build/sources.js';
import type { IgnoreRules } from '../ignore.js';
import { importImage } from './images.js';
import { namesTransport, openWorkingContainer, withMounted } from './builder.js';
import { findContainer } from '@ocikit/storage';

export interface RunWorkingOptions {
  isolation?: Isolation;
  network?: 'none' | 'host';
  /** -v HOST:CTR[:ro] */
  volumes?: string[];
  /** KEY=VALUE added to the config's Env. */
  env?: string[];
  user?: string;
  workdir?: string;
  runtime?: { name: string; searchPath: string };
  stdio?: StdioOptions;
  signal?: AbortSignal;
}

function parseVolume(spec: string): RunMountSpec {
  const [source, target, mode] = spec.split(':');
  if (!source || !target || !isAbsolute(source) || !isAbsolute(target)) throw new Error(`-v ${spec}: use HOST:CONTAINER[:ro]`);
  return { type: 'bind', source, target, readonly: mode === 'ro' };
}

/** `run CTR -- CMD`: the container's Env, WorkingDir and User apply; returns the command's exit code. */
export async function runWorking(store: Store, idOrName: string, argv: string[], options: RunWorkingOptions = {}): Promise<number> {
  return withMounted(store, idOrName, async (rootfs, { builder }) => {
    const c = builder.config.config ?? {};
    const env = [...(c.Env ?? [])];
    if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
    for (const entry of options.env ?? []) {
      const key = entry.split('=', 1)[0];
      const at = env.findIndex((e) => e.split('=', 1)[0] === key);
      if (at >= 0) env[at] = entry;
      else env.push(entry);
    }
    return runInRootfs({
      rootfs,
      argv,
      env,
      cwd: options.workdir ?? (c.WorkingDir || '/'),
      user: options.user ?? c.User ?? '',
      mounts: (options.volumes ?? []).map(parseVolume),
      network: options.network ?? 'host',
      isolation: options.isolation ?? 'chroot',
      ...(options.runtime ? { runtime: { ...options.runtime, stateDir: posix.join(store.runroot, 'build-runtime') } } : {}),
      ...(options.stdio ? { stdio: options.stdio } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  });
}

export interface CopyWorkingOptions {
  transports: readonly Transport<any>[];
  chown?: string;
  chmod?: number;
  /** Read sources from another working container or an image instead of the host. */
  from?: string;
  /** Relative host sources are resolved here (the CLI passes its cwd). */
  cwd: string;
  ignore?: IgnoreRules;
  extractArchives: boolean;
  signal?: AbortSignal;
}

/** `copy`/`add CTR SRC... DEST` with Docker's COPY rules. */
export async function copyIntoWorking(store: Store, idOrName: string, sources: string[], dest: string, options: CopyWorkingOptions): Promise<number> {
  return withMounted(store, idOrName, async (rootfs, { builder }) => {
    const workdir = builder.config.config?.WorkingDir || '/';
    const target = posix.isAbsolute(dest) ? dest : `${posix.join(workdir, dest).replace(/\/+$/, '')}${dest.endsWith('/') || dest === '.' ? '/' : ''}`;
    let release: (() => Promise<void>) | undefined;
    try {
      const roots: Array<{ root: SourceRoot; pattern: string }> = [];
      if (options.from) {
        const fromRoot = await sourceRootFrom(store, options.from, options);
        release = fromRoot.release;
        for (const s of sources) roots.push({ root: fromRoot.root, pattern: s });
      } else {
        for (const s of sources) {
          const dir = isAbsolute(s) ? '/' : options.cwd;
          roots.push({ root: { dir, label: dir === '/' ? 'the host' : options.cwd, ...(options.ignore && dir !== '/' ? { ignore: options.ignore } : {}) }, pattern: s });
        }
      }
      const owner = options.chown ? await resolveUser(options.chown, rootfs) : { uid: 0, gid: 0 };
      const total = roots.reduce((n, r) => n + matchSources(r.root, r.pattern).length, 0);
      const destIsDir = target.endsWith('/') || total > 1 || sources.some(hasGlob);
      let written = 0;
      for (const { root, pattern } of roots) {
        written += await copyMatches(root, matchSources(root, pattern), rootfs, target, destIsDir, {
          owner: { uid: owner.uid, gid: owner.gid },
          extractArchives: options.extractArchives,
          ...(options.chmod !== undefined ? { chmod: options.chmod } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      }
      return written;
    } finally {
      await release?.();
    }
  });
}

/** --from: another working container (mounted for the copy) or an image (a temporary container). */
async function sourceRootFrom(store: Store, from: string, options: CopyWorkingOptions): Promise<{ root: SourceRoot; release: () => Promise<void> }> {
  if (!namesTransport(from, options.transports)) {
    const found = await findContainer(store, from).catch(() => undefined);
    if (found) {
      await openWorkingContainer(store, found.id);
      const { mountPoint } = await mountContainer(store, found.id);
      return { root: { dir: mountPoint, label: `container ${from}` }, release: async () => void (await unmountContainer(store, found.id)) };
    }
  }
  const { createContainer, removeContainer } = await import('@ocikit/storage');
  const digest = await importImage(store, from, { transports: options.transports, ...(options.signal ? { signal: options.signal } : {}) });
  const record = await createContainer(store, digest.slice('sha256:'.length));
  const { mountPoint } = await mountContainer(store, record.id);
  return { root: { dir: mountPoint, label: `image ${from}` }, release: async () => void (await removeContainer(store, record.id, { force: true })) };
}
