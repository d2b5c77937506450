import { UsageError } from '@ocikit/oci-image/cli';
import type { RuntimeMount } from '@ocikit/oci-image';
import type { Rlimit } from '../runtime/spec.js';

/** Flag values as podman users write them, parsed into runtime-spec pieces. */

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "512m", "1g", "1048576" -> bytes. */
export function parseBytes(value: string, flag = '--memory'): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([bkmgt]?)b?$/i.exec(value.trim());
  if (!m) throw new UsageError(`${flag}: invalid size ${JSON.stringify(value)}`, 'use a number with an optional unit: b, k, m, g');
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  if (bytes <= 0) throw new UsageError(`${flag}: size must be positive`);
  return bytes;
}

export function parseCpus(value: string): { quota: number; period: number } {
  const cpus = Number(value);
  if (!Number.isFinite(cpus) || cpus <= 0) throw new UsageError(`--cpus: invalid value ${JSON.stringify(value)}`, 'use a positive number, e.g. 0.5');
  const period = 100_000;
  return { quota: Math.round(cpus * period), period };
}

export function parsePositiveInt(value: string, flag: string): number {
  if (!/^-?[0-9]+$/.test(value)) throw new UsageError(`${flag}: invalid number ${JSON.stringify(value)}`);
  return Number(value);
}

const ULIMIT_NAMES: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC', rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

/** "nofile=1024:2048" or "nofile=1024". */
export function parseUlimit(value: string): Rlimit {
  const m = /^([a-z]+)=(-?[0-9]+)(?::(-?[0-9]+))?$/.exec(value);
  const type = m ? ULIMIT_NAMES[m[1]!] : undefined;
  if (!m || !type) throw new UsageError(`--ulimit: invalid value ${JSON.stringify(value)}`, 'use NAME=SOFT[:HARD], e.g. nofile=1024:2048');
  const soft = Number(m[2]) < 0 ? 2 ** 64 - 1 : Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]) < 0 ? 2 ** 64 - 1 : Number(m[3]);
  if (soft > hard) throw new UsageError(`--ulimit: soft limit above hard limit in ${JSON.stringify(value)}`);
  return { type, soft, hard };
}

/** "-v HOST:CTR[:ro|rw|z|Z...]" */
export function parseVolume(value: string): RuntimeMount {
  const parts = value.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    throw new UsageError(`-v: invalid volume ${JSON.stringify(value)}`, 'use HOST-DIR:CONTAINER-DIR[:ro]');
  }
  const [source, destination, flags = ''] = parts as [string, string, string?];
  if (!source.startsWith('/')) throw new UsageError(`-v: host path must be absolute: ${JSON.stringify(source)}`, 'named volumes are not supported');
  if (!destination.startsWith('/')) throw new UsageError(`-v: container path must be absolute: ${JSON.stringify(destination)}`);
  const options = ['rbind', 'rprivate'];
  for (const flag of flags.split(',').filter(Boolean)) {
    if (flag === 'ro' || flag === 'rw') options.push(flag);
    else if (flag !== 'z' && flag !== 'Z') throw new UsageError(`-v: unknown option ${JSON.stringify(flag)}`);
  }
  return { destination, type: 'bind', source, options };
}

/** "--mount type=bind,source=/a,target=/b,ro" or "type=tmpfs,target=/t,tmpfs-size=64m" */
export function parseMount(value: string): RuntimeMount {
  const fields = new Map<string, string>();
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    fields.set(eq === -1 ? item : item.slice(0, eq), eq === -1 ? 'true' : item.slice(eq + 1));
  }
  const type = fields.get('type') ?? 'bind';
  const destination = fields.get('target') ?? fields.get('destination') ?? fields.get('dst');
  if (!destination?.startsWith('/')) throw new UsageError(`--mount: needs an absolute target in ${JSON.stringify(value)}`);
  const readOnly = ['ro', 'readonly'].some((k) => fields.has(k) && fields.get(k) !== 'false');
  if (type === 'bind') {
    const source = fields.get('source') ?? fields.get('src');
    if (!source?.startsWith('/')) throw new UsageError(`--mount: bind needs an absolute source in ${JSON.stringify(value)}`);
    return { destination, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] };
  }
  if (type === 'tmpfs') {
    const options = ['nosuid', 'nodev', readOnly ? 'ro' : 'rw'];
    const size = fields.get('tmpfs-size');
    if (size) options.push(`size=${parseBytes(size, '--mount tmpfs-size')}`);
    const mode = fields.get('tmpfs-mode');
    if (mode) {
      if (!/^[0-7]{3,4}$/.test(mode)) throw new UsageError(`--mount: invalid tmpfs-mode ${JSON.stringify(mode)}`);
      options.push(`mode=${mode}`);
    }
    return { destination, type: 'tmpfs', source: 'tmpfs', options };
  }
  throw new UsageError(`--mount: unsupported type ${JSON.stringify(type)}`, 'use type=bind or type=tmpfs');
}

/** "KEY=VALUE" stays, "KEY" takes the caller's value (passed in), if any. */
export function parseEnv(values: string[], callerEnv: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const value of values) {
    if (value === '' || value.startsWith('=')) throw new UsageError(`-e: invalid variable ${JSON.stringify(value)}`);
    if (value.includes('=')) out.push(value);
    else if (callerEnv[value] !== undefined) out.push(`${value}=${callerEnv[value]}`);
  }
  return out;
}

/** An env file: KEY=VALUE lines, # comments and blank lines ignored. */
export function parseEnvFile(text: string, callerEnv: Record<string, string | undefined>): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return parseEnv(lines, callerEnv);
}

/** Later entries win by variable name; order of first appearance kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const map = new Map<string, string>();
  for (const list of lists) {
    for (const entry of list) {
      const eq = entry.indexOf('=');
      map.set(eq === -1 ? entry : entry.slice(0, eq), entry);
    }
  }
  return [...map.values()];
}

/** "8080:80", "127.0.0.1:8080:80/tcp", "80" (host port = container port). */
export interface PortMapping {
  hostIP: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export function parsePublish(value: string): PortMapping {
  const [spec, proto = 'tcp'] = value.split('/') as [string, string?];
  if (proto !== 'tcp' && proto !== 'udp') throw new UsageError(`-p: invalid protocol ${JSON.stringify(proto)}`);
  const parts = spec.split(':');
  const port = (p: string | undefined) => {
    const n = Number(p);
    if (!p || !/^[0-9]+$/.test(p) || n < 1 || n > 65535) throw new UsageError(`-p: invalid port in ${JSON.stringify(value)}`, 'use [HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp]');
    return n;
  };
  if (parts.length === 1) return { hostIP: '', hostPort: port(parts[0]), containerPort: port(parts[0]), protocol: proto };
  if (parts.length === 2) return { hostIP: '', hostPort: port(parts[0]), containerPort: port(parts[1]), protocol: proto };
  if (parts.length === 3) return { hostIP: parts[0]!, hostPort: port(parts[1]), containerPort: port(parts[2]), protocol: proto };
  throw new UsageError(`-p: invalid mapping ${JSON.stringify(value)}`);
}

/** "CAP_NET_ADMIN", "net_admin", "ALL" -> canonical names. */
export function normaliseCapability(value: string): string {
  const upper = value.toUpperCase();
  if (upper === 'ALL') return 'ALL';
  if (!/^(CAP_)?[A-Z_]+$/.test(upper)) throw new UsageError(`invalid capability ${JSON.stringify(value)}`);
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}
