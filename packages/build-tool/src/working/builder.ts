import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  applyConfigPatch, copy, createLayer, emptyImage, parseReference, withConfigFile, writeFileAtomic, appendLayers,
  type Compression, type ConfigPatch, type HistoryEntry, type ImageConfig, type Platform, type Transport,
} from '@ocikit/oci-image';
import {
  createContainer, findContainer, imageByDigest, listContainers, mountContainer, removeContainer, unmountContainer,
  type ContainerRecord, type Store,
} from '@ocikit/storage';
import { WorkingContainerError } from '../errors.js';
import { changesLayer, composeImage, configOf, importImage } from './images.js';
import { finishImage } from './format.js';

/** What a working container adds to a storage container: the config being edited and the base it came from. */
export interface BuilderRecord {
  id: string;
  name: string;
  /** The base as the user named it (`scratch`, `oci:DIR:TAG`, a store name). */
  fromImage: string;
  /** Manifest digest of the base in the store. */
  fromDigest: string;
  config: ImageConfig;
  /** History entries to write with the next commit (e.g. from config --created-by). */
  history: HistoryEntry[];
  /** Manifest annotations for the next commit. */
  annotations?: Record<string, string>;
}

export interface WorkingContainer {
  container: ContainerRecord;
  builder: BuilderRecord;
}

function builderDir(store: Store): string {
  return join(store.root, 'builders');
}

async function saveBuilder(store: Store, builder: BuilderRecord): Promise<void> {
  await mkdir(builderDir(store), { recursive: true });
  await writeFileAtomic(join(builderDir(store), `${builder.id}.json`), `${JSON.stringify(builder, null, 2)}\n`);
}

function baseName(reference: string): string {
  if (reference === 'scratch') return 'working-container';
  const path = reference.replace(/^[a-z-]+:(\/\/)?/, '').replace(/@sha256:[0-9a-f]+$/, '');
  const last = path.split('/').filter(Boolean).pop() ?? 'image';
  const name = last.replace(/:[^:]*$/, '').replace(/[^a-zA-Z0-9_.-]/g, '') || 'image';
  return `${name}-working-container`;
}

async function uniqueName(store: Store, wanted: string): Promise<string> {
  const taken = new Set((await listContainers(store)).map((c) => c.name));
  if (!taken.has(wanted)) return wanted;
  for (let i = 1; ; i++) if (!taken.has(`${wanted}-${i}`)) return `${wanted}-${i}`;
}

export interface FromOptions {
  transports: readonly Transport<any>[];
  name?: string;
  platform?: Platform;
  signal?: AbortSignal;
}

/** `from IMAGE`: bring the image into the store and make a working container of it. */
export async function fromImage(store: Store, reference: string, options: FromOptions): Promise<WorkingContainer> {
  const digest = await importImage(store, reference, options);
  const name = options.name ?? (await uniqueName(store, baseName(reference)));
  const container = await createContainer(store, digest.slice('sha256:'.length), { name, ...(options.signal ? { signal: options.signal } : {}) });
  const builder: BuilderRecord = { id: container.id, name: container.name, fromImage: reference, fromDigest: digest, config: await configOf(store, digest), history: [] };
  await saveBuilder(store, builder);
  return { container, builder };
}

export async function openWorkingContainer(store: Store, idOrName: string): Promise<WorkingContainer> {
  const container = await findContainer(store, idOrName);
  let builder: BuilderRecord;
  try {
    builder = JSON.parse(await readFile(join(builderDir(store), `${container.id}.json`), 'utf8')) as BuilderRecord;
  } catch {
    throw new WorkingContainerError(`${idOrName} is not a working container of oci-build`, { hint: 'make one with oci-build from IMAGE' });
  }
  return { container, builder };
}

export async function listWorkingContainers(store: Store): Promise<WorkingContainer[]> {
  const ids = new Set((await readdir(builderDir(store)).catch(() => [] as string[])).map((f) => f.replace(/\.json$/, '')));
  const out: WorkingContainer[] = [];
  for (const c of await listContainers(store)) if (ids.has(c.id)) out.push(await openWorkingContainer(store, c.id));
  return out;
}

export async function mountWorking(store: Store, idOrName: string): Promise<string> {
  const { container } = await openWorkingContainer(store, idOrName);
  return (await mountContainer(store, container.id)).mountPoint;
}

export async function unmountWorking(store: Store, idOrName: string): Promise<void> {
  const { container } = await openWorkingContainer(store, idOrName);
  await unmountContainer(store, container.id, { force: true });
}

export async function removeWorking(store: Store, idOrName: string): Promise<string> {
  const { container } = await openWorkingContainer(store, idOrName);
  await removeContainer(store, container.id, { force: true });
  await rm(join(builderDir(store), `${container.id}.json`), { force: true });
  return container.id;
}

/** `config CTR --env ...`: edit the config the next commit writes; `unsetEnv` removes variables (`--env NAME-`). */
export async function configureWorking(store: Store, idOrName: string, patch: ConfigPatch, createdBy?: string, annotations?: Record<string, string>, unsetEnv: string[] = []): Promise<BuilderRecord> {
  const { builder } = await openWorkingContainer(store, idOrName);
  builder.config = applyConfigPatch(builder.config, patch);
  if (unsetEnv.length && builder.config.config?.Env) {
    builder.config.config.Env = builder.config.config.Env.filter((e) => !unsetEnv.includes(e.split('=', 1)[0] as string));
  }
  if (annotations && Object.keys(annotations).length) builder.annotations = { ...(builder.annotations ?? {}), ...annotations };
  if (createdBy) builder.history.push({ created_by: createdBy } as HistoryEntry);
  await saveBuilder(store, builder);
  return builder;
}

/** Run a function with the container mounted; the mount is released afterwards. */
export async function withMounted<T>(store: Store, idOrName: string, fn: (rootfs: string, wc: WorkingContainer) => Promise<T>): Promise<T> {
  const wc = await openWorkingContainer(store, idOrName);
  const { mountPoint } = await mountContainer(store, wc.container.id);
  try {
    return await fn(mountPoint, wc);
  } finally {
    await unmountContainer(store, wc.container.id).catch(() => undefined);
  }
}

export interface CommitWorkingOptions {
  transports: readonly Transport<any>[];
  squash?: boolean;
  timestamp?: Date;
  format?: 'oci' | 'docker';
  compression?: Compression;
  /** Remove the working container after a successful commit. */
  rm?: boolean;
  createdBy?: string;
  signal?: AbortSignal;
}

/** `commit CTR DEST`: base + one layer of what changed (or one squashed layer), the edited config; returns DEST@digest. */
export async function commitWorking(store: Store, idOrName: string, destination: string, options: CommitWorkingOptions): Promise<string> {
  const { container, builder } = await openWorkingContainer(store, idOrName);
  const dest = parseReference(namesTransport(destination, options.transports) ? destination : `storage:${destination}`, options.transports);
  const created = (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const compression = options.compression ?? 'gzip';
  const config: ImageConfig = { ...builder.config, created };
  const history: HistoryEntry = { created, created_by: options.createdBy ?? `oci-build commit ${builder.fromImage}` };
  const pendingHistory = builder.history.map((h) => ({ ...h, created, empty_layer: true }) as HistoryEntry);
  const signal = options.signal ? { signal: options.signal } : {};
  let image;
  let dispose: () => Promise<void>;
  if (options.squash) {
    const { mountPoint } = await mountContainer(store, container.id);
    try {
      const layer = await createLayer({ dir: mountPoint, compression, tmpDir: store.paths.tmp, ...(options.timestamp ? { timestamp: options.timestamp } : {}), ...signal });
      dispose = () => layer.dispose();
      image = appendLayers(withConfigFile(emptyImage(), () => ({ ...config, rootfs: { type: 'layers', diff_ids: [] }, history: [] })), [{ layer, history }]);
    } finally {
      await unmountContainer(store, container.id).catch(() => undefined);
    }
  } else {
    const layer = await changesLayer(store, container, compression, options.timestamp, options.signal);
    dispose = () => layer.dispose();
    image = composeImage(await imageByDigest(store, builder.fromDigest), { config, pendingHistory }, { layer, history });
  }
  try {
    const out = finishImage(image, { ...(options.format ? { format: options.format } : {}), ...(builder.annotations ? { annotations: builder.annotations } : {}) });
    const result = await copy(out, await dest.transport.openDestination(dest.value, signal), signal);
    if (options.rm) await removeWorking(store, container.id);
    return result.reference;
  } finally {
    await dispose();
  }
}

/** Does `text` start with a transport name (oci:DIR, docker://...) rather than name a store image? */
export function namesTransport(text: string, transports: readonly Transport<any>[]): boolean {
  const colon = text.indexOf(':');
  return colon > 0 && transports.some((t) => t.name === text.slice(0, colon));
}
