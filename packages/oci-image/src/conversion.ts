import { constants as fsConstants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { OciError } from './errors.js';
import type { ImageConfig } from './types.js';

/**
 * Image config -> OCI runtime config, as the image spec's conversion.md
 * says: Env, Entrypoint+Cmd, WorkingDir verbatim; User parsed (names
 * resolved in the rootfs's own /etc/passwd and /etc/group, never the
 * host's); os/architecture/author/created/StopSignal/ExposedPorts and the
 * Labels as annotations, Labels winning any conflict; Volumes as mounts.
 */

export interface RuntimeUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface RuntimeMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface RuntimeProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: RuntimeUser;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: Record<'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient', string[]>;
  rlimits?: Array<{ type: string; hard: number; soft: number }>;
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  [key: string]: unknown;
}

/** The parts of the runtime spec ocikit writes; other fields pass through untouched. */
export interface RuntimeSpec {
  ociVersion: string;
  process?: RuntimeProcess;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: RuntimeMount[];
  annotations?: Record<string, string>;
  linux?: Record<string, unknown> & {
    namespaces?: Array<{ type: string; path?: string }>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    resources?: Record<string, unknown>;
  };
  [key: string]: unknown;
}

export interface ConversionOptions {
  /** The unpacked root filesystem, for resolving user and group names. */
  rootfs?: string;
  /** How Config.Volumes become mounts: fresh tmpfs mounts (default) or none. */
  volumes?: 'tmpfs' | 'none';
}

export class ConversionError extends OciError {
  constructor(message: string, hint?: string) {
    super('ERR_OCI_CONVERSION', message, hint ? { hint } : {});
  }
}

export const RUNTIME_SPEC_VERSION = '1.0.2';
const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function imageConfigToRuntimeSpec(config: ImageConfig, options: ConversionOptions = {}): Promise<RuntimeSpec> {
  const c = config.config ?? {};
  const args = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
  const env = [...(c.Env ?? [])];
  // An implementation default may add PATH, but never change one the image set.
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH_ENV);
  const user = await resolveUser(c.User ?? '', options.rootfs);
  const spec: RuntimeSpec = {
    ociVersion: RUNTIME_SPEC_VERSION,
    process: { terminal: false, user, args, env, cwd: c.WorkingDir || '/' },
    root: { path: 'rootfs' },
    annotations: imageAnnotations(config),
  };
  const volumes = Object.keys(c.Volumes ?? {});
  if ((options.volumes ?? 'tmpfs') === 'tmpfs' && volumes.length > 0) {
    spec.mounts = volumes.sort().map((destination) => ({
      destination,
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=755'],
    }));
  }
  return spec;
}

/** The implicit annotations, overridden by explicit Labels. */
export function imageAnnotations(config: ImageConfig): Record<string, string> {
  const c = config.config ?? {};
  const out: Record<string, string> = {};
  const set = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') out[`org.opencontainers.image.${key}`] = value;
  };
  set('os', config.os);
  set('architecture', config.architecture);
  set('variant', config.variant);
  set('os.version', config['os.version']);
  if (config['os.features']?.length) set('os.features', config['os.features'].join(','));
  set('author', config.author);
  set('created', config.created);
  set('stopSignal', c.StopSignal);
  const ports = Object.keys(c.ExposedPorts ?? {});
  if (ports.length) set('exposedPorts', ports.join(','));
  return { ...out, ...(c.Labels ?? {}) };
}

/** Parse Config.User (user, uid, user:group, uid:gid and mixes) into process.user. */
export async function resolveUser(spec: string, rootfs: string | undefined): Promise<RuntimeUser> {
  if (spec === '') return { uid: 0, gid: 0 };
  const colon = spec.indexOf(':');
  const userPart = colon === -1 ? spec : spec.slice(0, colon);
  const groupPart = colon === -1 ? undefined : spec.slice(colon + 1);
  if (userPart === '' || groupPart === '') throw new ConversionError(`invalid user ${JSON.stringify(spec)}`, 'use USER, UID, USER:GROUP or UID:GID');
  const needFiles = !isNumeric(userPart) || (groupPart !== undefined && !isNumeric(groupPart)) || groupPart === undefined;
  const passwd = needFiles && rootfs ? parsePasswd(await readRootfsFile(rootfs, '/etc/passwd')) : [];
  const groups = needFiles && rootfs ? parseGroup(await readRootfsFile(rootfs, '/etc/group')) : [];

  let uid: number;
  let gid: number | undefined;
  let name: string | undefined;
  if (isNumeric(userPart)) {
    uid = Number(userPart);
    const entry = passwd.find((p) => p.uid === uid);
    gid = entry?.gid;
  } else {
    if (!rootfs) throw new ConversionError(`cannot resolve user ${JSON.stringify(userPart)} without a root filesystem`);
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new ConversionError(`user ${JSON.stringify(userPart)} not found in the image's /etc/passwd`);
    uid = entry.uid;
    gid = entry.gid;
    name = entry.name;
  }
  if (groupPart !== undefined) {
    if (isNumeric(groupPart)) return { uid, gid: Number(groupPart) };
    if (!rootfs) throw new ConversionError(`cannot resolve group ${JSON.stringify(groupPart)} without a root filesystem`);
    const group = groups.find((g) => g.name === groupPart);
    if (!group) throw new ConversionError(`group ${JSON.stringify(groupPart)} not found in the image's /etc/group`);
    return { uid, gid: group.gid };
  }
  const user: RuntimeUser = { uid, gid: gid ?? 0 };
  if (name !== undefined) {
    const extra = [...new Set(groups.filter((g) => g.members.includes(name) && g.gid !== user.gid).map((g) => g.gid))];
    if (extra.length) user.additionalGids = extra;
  }
  return user;
}

function isNumeric(value: string): boolean {
  return /^[0-9]{1,10}$/.test(value) && Number(value) <= 0xffffffff;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || !isNumeric(f[2]!) || !isNumeric(f[3]!)) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) });
  }
  return out;
}

function parseGroup(text: string): Array<{ name: string; gid: number; members: string[] }> {
  const out: Array<{ name: string; gid: number; members: string[] }> = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#') || !isNumeric(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

const MAX_LINKS = 255;
const MAX_ACCOUNT_FILE = 8 * 1024 * 1024;

/**
 * Resolve `path` inside `root` as if root were `/`: each component is
 * looked at with lstat, symlinks are followed relative to the root and `..`
 * never climbs above it (the securejoin idea). The result may not exist.
 */
export async function resolveInRootfs(root: string, path: string): Promise<string> {
  const rootAbs = posix.resolve(root);
  const pending = path.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = posix.join(rootAbs, ...done, part);
    const info = await lstat(candidate).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (info?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new ConversionError(`too many symlinks resolving ${path} in the root filesystem`);
      const target = await readlink(candidate);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    done.push(part);
  }
  return posix.join(rootAbs, ...done);
}

/** Read a small regular file of the rootfs; missing files read as empty. */
async function readRootfsFile(root: string, path: string): Promise<string> {
  const resolved = await resolveInRootfs(root, path);
  let handle;
  try {
    // O_NOFOLLOW: a symlink swapped in after resolving fails instead of leading out.
    handle = await open(resolved, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return '';
    throw new ConversionError(`cannot read ${path} of the root filesystem: ${(error as Error).message}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ConversionError(`${path} of the root filesystem is not a regular file`);
    if (info.size > MAX_ACCOUNT_FILE) throw new ConversionError(`${path} of the root filesystem is too large`);
    return (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
  }
}
