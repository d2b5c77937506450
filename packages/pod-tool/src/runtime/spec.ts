import { RUNTIME_SPEC_VERSION, type RuntimeMount, type RuntimeSpec } from '@ocikit/oci-image/conversion';

/** The capabilities podman grants by default (containers.conf). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/** /proc and /sys paths hidden from the container (podman's list). */
export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/fs/selinux',
  '/sys/dev/block',
];

export const READONLY_PATHS = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Devices every container gets on its fresh /dev tmpfs; the runtime creates the nodes. */
const ALLOWED_DEVICES: Array<{ type: string; major: number; minor?: number }> = [
  { type: 'c', major: 1, minor: 3 }, // null
  { type: 'c', major: 1, minor: 5 }, // zero
  { type: 'c', major: 1, minor: 7 }, // full
  { type: 'c', major: 1, minor: 8 }, // random
  { type: 'c', major: 1, minor: 9 }, // urandom
  { type: 'c', major: 5, minor: 0 }, // tty
  { type: 'c', major: 5, minor: 2 }, // ptmx
  { type: 'c', major: 136 }, // pts/* (no minor: all of them)
];

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface DefaultSpecOptions {
  /** The container id: names its cgroup. */
  id: string;
  args: string[];
  env?: string[];
  cwd?: string;
  hostname?: string;
  terminal?: boolean;
  /** The caller's own limits; defaults never ask for more (a runtime cannot raise a hard limit without CAP_SYS_RESOURCE). */
  hardLimits?: Partial<Record<string, number>>;
}

export function defaultMounts(): RuntimeMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

/** The default rlimits (podman's NOFILE and NPROC), clamped to the caller's hard limits. */
export function defaultRlimits(hardLimits: Partial<Record<string, number>> = {}): Rlimit[] {
  const wanted: Rlimit[] = [
    { type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 },
    { type: 'RLIMIT_NPROC', soft: 4194304, hard: 4194304 },
  ];
  return wanted.map((limit) => clampRlimit(limit, hardLimits[limit.type]));
}

export function clampRlimit(limit: Rlimit, callerHard: number | undefined): Rlimit {
  if (callerHard === undefined || !Number.isFinite(callerHard)) return limit;
  const hard = Math.min(limit.hard, callerHard);
  return { type: limit.type, hard, soft: Math.min(limit.soft, hard) };
}

/**
 * A safe runtime spec, as podman makes one: default capabilities, masked and
 * read-only /proc paths, /dev as a fresh tmpfs, new namespaces for
 * everything but the user, cgroups under /ocikit/<id>.
 */
export function defaultSpec(options: DefaultSpecOptions): RuntimeSpec {
  const caps = [...DEFAULT_CAPABILITIES];
  return {
    ociVersion: RUNTIME_SPEC_VERSION,
    process: {
      terminal: options.terminal ?? false,
      user: { uid: 0, gid: 0 },
      args: options.args,
      env: options.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: options.cwd ?? '/',
      capabilities: { bounding: caps, effective: [...caps], inheritable: [], permitted: [...caps], ambient: [] },
      rlimits: defaultRlimits(options.hardLimits),
      noNewPrivileges: false,
      oomScoreAdj: 0,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: options.hostname ?? options.id.slice(0, 12),
    mounts: defaultMounts(),
    annotations: {},
    linux: {
      cgroupsPath: `/ocikit/${options.id}`,
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      resources: {
        devices: [
          { allow: false, access: 'rwm' },
          ...ALLOWED_DEVICES.map((d) => ({ allow: true, access: 'rwm', ...d })),
        ],
      },
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}
