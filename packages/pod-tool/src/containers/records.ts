import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, rm, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
// The subpath, not the package index: the detached monitor loads this file unbundled.
import { removeTree } from '@ocikit/oci-image/remove-tree';
import { writeStateFile } from '../state-file.js';
import { ContainerNotFoundError, PodError } from '../errors.js';
import type { PortMapping } from '../options/parse.js';

/**
 * What oci-pod remembers about a container, under <runroot>/containers/<id>/:
 *   container.json  this record (written once, at create)
 *   bundle/         config.json for the runtime
 *   pid             the init pid (runtime --pid-file)
 *   exit.json       exit code and time, written by whoever waited for it
 *   ctr.log         the output of a detached container (k8s-file format)
 * Names are symlinks <runroot>/names/<name> -> <id>: creating one is the
 * atomic reservation of the name.
 */
export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  /** The image reference as given, or the rootfs path with --rootfs. */
  image: string;
  imageDigest?: string;
  rootfs: string;
  /** How the rootfs was provided: a caller's directory, or a storage container to release on rm. */
  rootfsSource: 'dir' | 'storage';
  /** The image store and storage container that hold the rootfs (rootfsSource storage). */
  storage?: { root: string; runroot: string; id: string };
  runtime: string;
  command: string[];
  detached: boolean;
  autoRemove: boolean;
  tty: boolean;
  pod?: string;
  /** The infra container of a pod. */
  infra?: boolean;
  network: { mode: 'none' | 'host' | 'bridge' | 'pod'; netns?: string; ports?: PortMapping[]; ip?: string };
  stopSignal: string;
  stopTimeout: number;
  labels: Record<string, string>;
  /** The arguments after `run` that made it (for generate systemd). */
  runArgs?: string[];
}

export interface ExitRecord {
  exitCode: number;
  finishedAt: string;
}

export class ContainerPaths {
  constructor(readonly runroot: string) {}
  get containers(): string {
    return join(this.runroot, 'containers');
  }
  dir(id: string): string {
    return join(this.containers, id);
  }
  record(id: string): string {
    return join(this.dir(id), 'container.json');
  }
  bundle(id: string): string {
    return join(this.dir(id), 'bundle');
  }
  pidFile(id: string): string {
    return join(this.dir(id), 'pid');
  }
  exitFile(id: string): string {
    return join(this.dir(id), 'exit.json');
  }
  log(id: string): string {
    return join(this.dir(id), 'ctr.log');
  }
  get names(): string {
    return join(this.runroot, 'names');
  }
  name(name: string): string {
    return join(this.names, name);
  }
  get pods(): string {
    return join(this.runroot, 'pods');
  }
  get runtimeState(): string {
    return join(this.runroot, 'runtime');
  }
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export function validateName(name: string): void {
  if (!NAME_PATTERN.test(name)) throw new PodError('ERR_POD_BAD_NAME', `invalid name ${JSON.stringify(name)}`, { hint: 'use letters, digits, _ . - (starting with a letter or digit)' });
}

/** Reserve the name and write the record; the name stays taken until removeRecord. */
export async function saveNewRecord(paths: ContainerPaths, record: ContainerRecord): Promise<void> {
  validateName(record.name);
  await mkdir(paths.names, { recursive: true });
  await mkdir(paths.dir(record.id), { recursive: true });
  try {
    await symlink(record.id, paths.name(record.name));
  } catch (error) {
    await rm(paths.dir(record.id), { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PodError('ERR_POD_NAME_IN_USE', `the name ${JSON.stringify(record.name)} is already in use`, { hint: 'remove that container or choose another --name' });
    }
    throw error;
  }
  await writeStateFile(paths.record(record.id), Buffer.from(JSON.stringify(record, null, 2)));
}

export async function readRecord(paths: ContainerPaths, id: string): Promise<ContainerRecord> {
  try {
    return JSON.parse(await readFile(paths.record(id), 'utf8')) as ContainerRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ContainerNotFoundError(id);
    throw error;
  }
}

export async function listRecords(paths: ContainerPaths): Promise<ContainerRecord[]> {
  const ids = await readdir(paths.containers).catch(() => [] as string[]);
  const records = await Promise.all(ids.map((id) => readRecord(paths, id).catch(() => undefined)));
  return records.filter((r): r is ContainerRecord => r !== undefined).sort(byCreated);
}

/** A container by name, full id or unique id prefix. */
export async function findRecord(paths: ContainerPaths, nameOrId: string): Promise<ContainerRecord> {
  if (nameOrId === '' || nameOrId.includes('/')) throw new ContainerNotFoundError(nameOrId);
  const byName = await readlink(paths.name(nameOrId)).catch(() => undefined);
  if (byName) return readRecord(paths, byName);
  const ids = (await readdir(paths.containers).catch(() => [] as string[])).filter((id) => id.startsWith(nameOrId));
  if (ids.length === 1) return readRecord(paths, ids[0]!);
  if (ids.length > 1) throw new PodError('ERR_POD_AMBIGUOUS', `${JSON.stringify(nameOrId)} matches ${ids.length} containers`, { hint: 'give more of the id' });
  throw new ContainerNotFoundError(nameOrId);
}

export async function readExit(paths: ContainerPaths, id: string): Promise<ExitRecord | undefined> {
  try {
    return JSON.parse(await readFile(paths.exitFile(id), 'utf8')) as ExitRecord;
  } catch {
    return undefined;
  }
}

export async function writeExit(paths: ContainerPaths, id: string, exitCode: number): Promise<void> {
  const record: ExitRecord = { exitCode, finishedAt: new Date().toISOString() };
  await writeStateFile(paths.exitFile(id), Buffer.from(JSON.stringify(record)));
}

export async function readPid(paths: ContainerPaths, id: string): Promise<number | undefined> {
  const text = await readFile(paths.pidFile(id), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Forget the container: its state dir and its name. */
export async function removeRecord(paths: ContainerPaths, record: ContainerRecord): Promise<void> {
  await removeTree(paths.dir(record.id));
  const target = await readlink(paths.name(record.name)).catch(() => undefined);
  if (target === record.id) await unlink(paths.name(record.name)).catch(() => undefined);
}

/** Oldest first. ISO times sort as plain strings (localeCompare would load ICU's collation first, milliseconds of start-up). */
export function byCreated(a: { created: string }, b: { created: string }): number {
  return a.created < b.created ? -1 : a.created > b.created ? 1 : 0;
}
