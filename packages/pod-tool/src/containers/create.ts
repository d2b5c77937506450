import type { ImageConfig, RuntimeSpec } from '@ocikit/oci-image';
import { writeStateFile } from '../state-file.js';
import { imageConfigToRuntimeSpec, resolveUser } from '@ocikit/oci-image/conversion';
import { readHardLimits, resolveRuntime, type PodContext } from '../context.js';
import { PodError } from '../errors.js';
import { createBundle } from '../runtime/bundle.js';
import { buildRunSpec, type NetworkMode, type RunSpecOptions } from '../runtime/run-spec.js';
import { defaultSpec } from '../runtime/spec.js';
import type { PortMapping } from '../options/parse.js';
import { newContainerId, removeRecord, saveNewRecord, type ContainerRecord } from './records.js';

export interface CreateContainerOptions extends Omit<RunSpecOptions, 'user' | 'network' | 'hardLimits' | 'terminal'> {
  name?: string;
  /** The image reference as the user wrote it (for ps), or the rootfs path. */
  image: string;
  imageDigest?: string;
  imageConfig?: ImageConfig;
  rootfs: string;
  rootfsSource: 'dir' | 'storage';
  /** The runtime mounts the rootfs overlay itself (see images/store-images.ts): its mount options. */
  rootOverlay?: { options: string[] };
  storage?: { root: string; runroot: string; id: string };
  /** Config.User syntax: user, uid, user:group ... resolved in the rootfs. */
  user?: string;
  tty?: boolean;
  detached?: boolean;
  autoRemove?: boolean;
  network?: 'none' | 'host' | 'bridge';
  publish?: PortMapping[];
  /** Join a pod: its name and the namespaces of its infra process. */
  pod?: { name: string; namespaces: Record<string, string> };
  infra?: boolean;
  stopTimeout?: number;
  labels?: Record<string, string>;
  runArgs?: string[];
}

/** Create a container: its record, network and bundle; nothing runs yet. */
export async function createContainer(context: PodContext, options: CreateContainerOptions): Promise<ContainerRecord> {
  const runtime = await resolveRuntime(context);
  const id = newContainerId();
  const imageSpec: RuntimeSpec | undefined = options.imageConfig
    ? await imageConfigToRuntimeSpec(options.imageConfig, { rootfs: options.rootfs })
    : undefined;
  const imageEntrypoint = options.imageConfig?.config?.Entrypoint ?? [];
  const hardLimits = await readHardLimits();
  const networkKind = options.pod ? 'pod' : (options.network ?? 'none');
  if (options.publish?.length && networkKind !== 'bridge') {
    throw new PodError('ERR_POD_PUBLISH', '-p needs --network bridge', options.pod ? { hint: 'publish ports on the pod: pod create -p' } : {});
  }
  const record: ContainerRecord = {
    id,
    name: options.name ?? generatedName(id),
    created: new Date().toISOString(),
    image: options.image,
    rootfs: options.rootfs,
    rootfsSource: options.rootfsSource,
    runtime: runtime.path,
    command: [],
    detached: options.detached ?? false,
    autoRemove: options.autoRemove ?? false,
    tty: options.tty ?? false,
    network: { mode: networkKind },
    stopSignal: imageSpec?.annotations?.['org.opencontainers.image.stopSignal'] ?? 'SIGTERM',
    stopTimeout: options.stopTimeout ?? 10,
    labels: options.labels ?? {},
  };
  if (options.imageDigest) record.imageDigest = options.imageDigest;
  if (options.storage) record.storage = options.storage;
  if (options.runArgs) record.runArgs = options.runArgs;
  if (options.pod) record.pod = options.pod.name;
  if (options.infra) record.infra = true;
  await saveNewRecord(context.paths, record);
  try {
    let network: NetworkMode = { mode: networkKind === 'host' ? 'host' : 'none' };
    if (networkKind === 'bridge') {
      const { setUpNetwork } = await import('../network/network.js');
      const attached = await setUpNetwork(context, id, options.publish ?? []);
      record.network = { mode: 'bridge', netns: attached.netns, ports: options.publish ?? [], ip: attached.ip };
      network = { mode: 'path', path: attached.netnsPath };
    }
    const user = options.user ? await resolveUser(options.user, options.rootfs) : undefined;
    const { user: _userSpec, storage: _storage, runArgs: _runArgs, rootOverlay, ...rest } = options;
    const runOptions: RunSpecOptions = { ...rest, network, hardLimits, terminal: options.tty ?? false };
    if (user) runOptions.user = user;
    if (options.pod) runOptions.joinNamespaces = options.pod.namespaces;
    const spec = buildRunSpec(defaultSpec({ id, args: [], hardLimits }), imageSpec, imageEntrypoint, runOptions);
    spec.annotations = { ...spec.annotations, 'io.ocikit.container.name': record.name };
    record.command = spec.process!.args;
    await createBundle(context.paths.bundle(id), { rootfs: options.rootfs, spec, ...(rootOverlay ? { rootOverlay } : {}) });
    await writeStateFile(context.paths.record(id), Buffer.from(JSON.stringify(record, null, 2)));
    return record;
  } catch (error) {
    if (record.network.netns) {
      const { tearDownNetwork } = await import('../network/network.js');
      await tearDownNetwork(context, record).catch(() => undefined);
    }
    await removeRecord(context.paths, record);
    throw error;
  }
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'fond', 'gentle', 'happy', 'keen', 'lucid', 'merry', 'quiet', 'swift', 'wise'];
const NOUNS = ['ant', 'bee', 'crow', 'deer', 'eel', 'fox', 'gnu', 'hare', 'ibis', 'koi', 'lark', 'mole'];

function generatedName(id: string): string {
  const n = parseInt(id.slice(0, 8), 16);
  return `${ADJECTIVES[n % ADJECTIVES.length]}_${NOUNS[(n >>> 8) % NOUNS.length]}_${id.slice(0, 6)}`;
}
