import type { RuntimeMount, RuntimeSpec, RuntimeUser } from '@ocikit/oci-image';
import { PodError } from '../errors.js';
import { mergeEnv } from '../options/parse.js';
import { clampRlimit, DEFAULT_CAPABILITIES, type Rlimit } from './spec.js';

/** Where the init binary (catatonit) is mounted inside the container. */
export const INIT_PATH = '/run/ocikit-init';

export type NetworkMode = { mode: 'none' } | { mode: 'host' } | { mode: 'path'; path: string };

export interface RunSpecOptions {
  /** Replaces the image's Entrypoint (an empty array clears it). */
  entrypoint?: string[];
  /** Replaces the image's Cmd. */
  command?: string[];
  env?: string[];
  workdir?: string;
  user?: RuntimeUser;
  mounts?: RuntimeMount[];
  readOnly?: boolean;
  hostname?: string;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: false;
  noNewPrivileges?: boolean;
  memoryBytes?: number;
  cpu?: { quota: number; period: number };
  pidsLimit?: number;
  ulimits?: Rlimit[];
  /** Host path of catatonit: run it as pid 1 in front of the command. */
  initBinary?: string;
  network?: NetworkMode;
  /** Join these namespaces (a pod's infra process) instead of creating them: type -> /proc/PID/ns/... path. */
  joinNamespaces?: Record<string, string>;
  terminal?: boolean;
  annotations?: Record<string, string>;
  /** The caller's hard limits; requested rlimits are clamped to them. */
  hardLimits?: Partial<Record<string, number>>;
}

/**
 * Combine the safe defaults, the image's converted config (args, env, cwd,
 * user, annotations, volume mounts) and the run options into one spec.
 */
export function buildRunSpec(defaults: RuntimeSpec, image: RuntimeSpec | undefined, imageEntrypoint: string[], options: RunSpecOptions): RuntimeSpec {
  const spec: RuntimeSpec = structuredClone(defaults);
  const proc = spec.process!;
  const imageProcess = image?.process;
  const imageArgs = imageProcess?.args ?? [];
  const imageCmd = imageArgs.slice(imageEntrypoint.length);
  const entrypoint = options.entrypoint ?? imageEntrypoint;
  // podman: a new entrypoint drops the image's Cmd; a new command replaces Cmd only.
  const cmd = options.command?.length ? options.command : options.entrypoint ? [] : imageCmd;
  proc.args = [...entrypoint, ...cmd];
  if (proc.args.length === 0) throw new PodError('ERR_POD_NO_COMMAND', 'no command given and the image has none', { hint: 'append a command after the image' });
  proc.env = mergeEnv(proc.env ?? [], imageProcess?.env ?? [], options.env ?? []);
  proc.cwd = options.workdir ?? (imageProcess?.cwd || '/');
  proc.user = options.user ?? imageProcess?.user ?? { uid: 0, gid: 0 };
  proc.terminal = options.terminal ?? false;
  if (proc.terminal && !proc.env.some((e) => e.startsWith('TERM='))) proc.env.push('TERM=xterm');
  if (options.noNewPrivileges) proc.noNewPrivileges = true;
  if (options.initBinary) {
    proc.args = [INIT_PATH, '--', ...proc.args];
    spec.mounts!.push({ destination: INIT_PATH, type: 'bind', source: options.initBinary, options: ['bind', 'ro', 'nosuid', 'nodev'] });
  }
  applyCapabilities(spec, options.capAdd ?? [], options.capDrop ?? []);
  applyRlimits(spec, options.ulimits ?? [], options.hardLimits ?? {});
  if (image?.annotations) spec.annotations = { ...spec.annotations, ...image.annotations };
  if (options.annotations) spec.annotations = { ...spec.annotations, ...options.annotations };
  // Image volumes first, user mounts later so they win on the same destination.
  const userDestinations = new Set((options.mounts ?? []).map((m) => m.destination));
  for (const m of image?.mounts ?? []) if (!userDestinations.has(m.destination)) spec.mounts!.push(m);
  spec.mounts!.push(...(options.mounts ?? []));
  if (options.readOnly) {
    spec.root = { ...(spec.root ?? { path: 'rootfs' }), readonly: true };
    // As podman's --read-only-tmpfs: scratch space where programs expect it.
    for (const destination of ['/tmp', '/var/tmp', '/run']) {
      if (!spec.mounts!.some((m) => m.destination === destination)) {
        spec.mounts!.push({ destination, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'nosuid', 'nodev', 'mode=1777'] });
      }
    }
  }
  if (options.hostname) spec.hostname = options.hostname;
  applyNamespaces(spec, options);
  applyResources(spec, options);
  return spec;
}

function applyCapabilities(spec: RuntimeSpec, add: string[], drop: string[]): void {
  let caps = new Set(DEFAULT_CAPABILITIES);
  if (drop.includes('ALL')) caps = new Set();
  for (const cap of drop) caps.delete(cap);
  if (add.includes('ALL')) throw new PodError('ERR_POD_CAPABILITY', '--cap-add ALL is not supported', { hint: 'name the capabilities you need' });
  for (const cap of add) caps.add(cap);
  const list = [...caps].sort();
  spec.process!.capabilities = { bounding: list, effective: [...list], inheritable: [], permitted: [...list], ambient: [] };
}

function applyRlimits(spec: RuntimeSpec, ulimits: Rlimit[], hardLimits: Partial<Record<string, number>>): void {
  const byType = new Map((spec.process!.rlimits ?? []).map((r) => [r.type, r] as const));
  for (const limit of ulimits) {
    const callerHard = hardLimits[limit.type];
    if (callerHard !== undefined && limit.hard > callerHard) {
      throw new PodError('ERR_POD_ULIMIT', `--ulimit ${limit.type} hard limit ${limit.hard} is above this process's hard limit ${callerHard}`);
    }
    byType.set(limit.type, clampRlimit(limit, callerHard));
  }
  spec.process!.rlimits = [...byType.values()];
}

function applyNamespaces(spec: RuntimeSpec, options: RunSpecOptions): void {
  const linux = spec.linux!;
  let namespaces = [...(linux.namespaces ?? [])];
  const network = options.network ?? { mode: 'none' };
  if (network.mode === 'host') namespaces = namespaces.filter((ns) => ns.type !== 'network');
  if (network.mode === 'path') namespaces = namespaces.map((ns) => (ns.type === 'network' ? { type: 'network', path: network.path } : ns));
  for (const [type, path] of Object.entries(options.joinNamespaces ?? {})) {
    namespaces = namespaces.filter((ns) => ns.type !== type);
    namespaces.push({ type, path });
  }
  linux.namespaces = namespaces;
  if (network.mode === 'host' || options.joinNamespaces?.uts) delete spec.hostname;
  if (network.mode === 'host') {
    // Host networking: the host's name resolution too.
    for (const file of ['/etc/resolv.conf', '/etc/hosts']) {
      spec.mounts!.push({ destination: file, type: 'bind', source: file, options: ['bind', 'ro', 'nosuid', 'nodev'] });
    }
  }
}

function applyResources(spec: RuntimeSpec, options: RunSpecOptions): void {
  const resources = (spec.linux!.resources ??= {});
  if (options.memoryBytes !== undefined) resources.memory = { limit: options.memoryBytes };
  if (options.cpu) resources.cpu = { quota: options.cpu.quota, period: options.cpu.period };
  if (options.pidsLimit !== undefined) resources.pids = { limit: options.pidsLimit };
}
