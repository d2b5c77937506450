import { spawn, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { resolveInRootfs, resolveUser, type RuntimeUser } from '@ocikit/oci-image';
import { BuildError } from '../errors.js';

export type Isolation = 'chroot' | 'oci';

export interface RunMountSpec {
  type: 'bind' | 'tmpfs';
  /** Host path for bind mounts. */
  source?: string;
  /** Absolute path inside the container. */
  target: string;
  readonly: boolean;
}

export interface RunRequest {
  rootfs: string;
  argv: string[];
  env: string[];
  cwd: string;
  /** Config.User form (name, uid, user:group); resolved in the rootfs. */
  user: string;
  mounts: RunMountSpec[];
  network: 'none' | 'host';
  isolation: Isolation;
  /** For oci isolation: the runtime (runc or crun) name or path, the PATH to find it in, where bundles and state go. */
  runtime?: { name: string; searchPath: string; stateDir: string };
  stdio?: StdioOptions;
  signal?: AbortSignal;
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function hostTool(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  throw new BuildError('ERR_BUILD_TOOL_MISSING', `${name} not found on this host`, { hint: 'install util-linux and coreutils' });
}

/**
 * Create missing mount points inside the rootfs (never through a symlink out
 * of it); returns what was created, deepest first, to remove afterwards so
 * mount points do not end up in the layer.
 */
async function prepareTargets(rootfs: string, targets: Array<{ path: string; file: boolean }>): Promise<{ resolved: string[]; created: string[] }> {
  const created: string[] = [];
  const resolved: string[] = [];
  for (const { path, file } of targets) {
    const abs = await resolveInRootfs(rootfs, path);
    resolved.push(abs);
    const parts = posix.relative(rootfs, abs).split('/').filter(Boolean);
    let current = rootfs;
    for (let i = 0; i < parts.length; i++) {
      current = join(current, parts[i] as string);
      if (await lstat(current).then(() => true, () => false)) continue;
      if (file && i === parts.length - 1) await writeFile(current, '', { mode: 0o644 });
      else await mkdir(current, { mode: 0o755 });
      created.push(current);
    }
  }
  return { resolved, created: created.reverse() };
}

async function removeCreated(created: string[]): Promise<void> {
  for (const path of created) {
    const info = await lstat(path).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) {
      if ((await readdir(path)).length === 0) await rmdir(path).catch(() => undefined);
    } else if (info.size === 0) await rm(path, { force: true });
  }
}

/** Run a command in a rootfs and return its exit code; stdio passes through. */
export async function runInRootfs(request: RunRequest): Promise<number> {
  return request.isolation === 'oci' ? runOci(request) : runChroot(request);
}

function userSpec(user: RuntimeUser): string {
  return `${user.uid}:${user.gid}`;
}

/** With the host's network, the host's name resolution too (read-only, for the run only), as the OCI path does. */
function hostNetworkFiles(request: RunRequest): RunMountSpec[] {
  if (request.network === 'none') return [];
  const taken = new Set(request.mounts.map((m) => m.target));
  return ['/etc/resolv.conf', '/etc/hosts']
    .filter((file) => existsSync(file) && !taken.has(file))
    .map((file) => ({ type: 'bind' as const, source: file, target: file, readonly: true }));
}

async function runChroot(original: RunRequest): Promise<number> {
  const request = { ...original, mounts: [...original.mounts, ...hostNetworkFiles(original)] };
  const { rootfs } = request;
  const fileTargets = await Promise.all(request.mounts.map(async (m) => m.type === 'bind' && m.source !== undefined && (await stat(m.source)).isFile()));
  const { resolved, created } = await prepareTargets(rootfs, [
    { path: '/proc', file: false },
    { path: '/dev', file: false },
    ...request.mounts.map((m, i) => ({ path: m.target, file: fileTargets[i] as boolean })),
  ]);
  try {
    const user = await resolveUser(request.user, rootfs);
    const mount = hostTool('mount');
    const lines = ['set -e', `${mount} --rbind /dev ${shellQuote(resolved[1] as string)}`];
    request.mounts.forEach((m, i) => {
      const target = shellQuote(resolved[i + 2] as string);
      if (m.type === 'tmpfs') lines.push(`${mount} -t tmpfs tmpfs ${target}`);
      else {
        lines.push(`${mount} --bind ${shellQuote(m.source as string)} ${target}`);
        if (m.readonly) lines.push(`${mount} -o remount,bind,ro ${target}`);
      }
    });
    const groups = user.additionalGids?.length ? ` --groups=${user.additionalGids.join(',')}` : '';
    const chroot = `${hostTool('chroot')} --userspec=${userSpec(user)}${groups} ${shellQuote(rootfs)}`;
    // The cd runs inside the rootfs with its own shell; without one (or at /) exec directly.
    const hasShell = existsSync(join(rootfs, 'bin/sh')) || (await lstat(join(rootfs, 'bin/sh')).then(() => true, () => false));
    if (request.cwd !== '/' && hasShell) lines.push(`exec ${chroot} /bin/sh -c 'cd "$0" && exec "$@"' ${shellQuote(request.cwd)} "$@"`);
    else lines.push(`exec ${chroot} "$@"`);
    const args = ['--mount', '--pid', '--fork', '--propagation', 'private', `--mount-proc=${resolved[0]}`];
    if (request.network === 'none') args.push('--net');
    args.push('/bin/sh', '-c', lines.join('\n'), 'sh', ...request.argv);
    return await spawnExit(hostTool('unshare'), args, request);
  } finally {
    await removeCreated(created);
  }
}

function spawnExit(file: string, args: string[], request: RunRequest): Promise<number> {
  const env: Record<string, string> = {};
  for (const entry of request.env) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: request.stdio ?? 'inherit', env, ...(request.signal ? { signal: request.signal, killSignal: 'SIGKILL' as const } : {}) });
    child.once('error', (error) => reject(new BuildError('ERR_BUILD_RUN', `cannot start ${file}: ${error.message}`, { cause: error })));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
}

async function runOci(request: RunRequest): Promise<number> {
  const runtimeOptions = request.runtime;
  if (!runtimeOptions) throw new BuildError('ERR_BUILD_RUNTIME', 'oci isolation needs a runtime (runc or crun)');
  const pod = await import('@ocikit/pod-tool');
  const runtime = await pod.findRuntime(runtimeOptions.name, { searchPath: runtimeOptions.searchPath, stateRoot: join(runtimeOptions.stateDir, 'state') });
  const id = `ocikit-build-${process.pid}-${Date.now().toString(36)}`;
  const hardLimits = await pod.readHardLimits();
  const user = await resolveUser(request.user, request.rootfs);
  const mounts = request.mounts.map((m) =>
    m.type === 'tmpfs'
      ? { destination: m.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] }
      : { destination: m.target, type: 'bind', source: m.source as string, options: ['rbind', m.readonly ? 'ro' : 'rw'] },
  );
  const spec = pod.buildRunSpec(pod.defaultSpec({ id, args: request.argv, env: request.env, cwd: request.cwd, hardLimits }), undefined, [], {
    command: request.argv,
    env: request.env,
    workdir: request.cwd,
    user,
    mounts,
    network: { mode: request.network },
    hardLimits,
  });
  const created = await missingPaths(request.rootfs, (spec.mounts ?? []).map((m) => m.destination));
  const bundleDir = join(runtimeOptions.stateDir, 'bundles', id);
  try {
    await pod.createBundle(bundleDir, { rootfs: request.rootfs, spec });
    return await pod.runContainer(bundleDir, { runtime, id, stdio: request.stdio ?? 'inherit', ...(request.signal ? { signal: request.signal } : {}) });
  } finally {
    await pod.runtimeDelete(runtime, id, true).catch(() => undefined);
    await rm(bundleDir, { recursive: true, force: true });
    await removeCreated(created);
  }
}

/**
 * The paths (mount destinations and their parents) that do not exist yet,
 * deepest first: the runtime creates them as mount points, and they are
 * removed again afterwards so they do not end up in the layer.
 */
async function missingPaths(rootfs: string, destinations: string[]): Promise<string[]> {
  const missing = new Set<string>();
  for (const dest of destinations) {
    let current = rootfs;
    for (const part of dest.split('/').filter(Boolean)) {
      current = join(current, part);
      const info = await lstat(current).catch(() => undefined);
      if (info?.isSymbolicLink()) break;
      if (!info) missing.add(current);
    }
  }
  return [...missing].sort((a, b) => b.length - a.length);
}
