import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStateFile } from '../state-file.js';
import type { PodContext } from '../context.js';
import { PodError } from '../errors.js';
import { createContainer } from '../containers/create.js';
import { containerState, removeContainer, startDetached, stopContainer } from '../containers/lifecycle.js';
import { byCreated, findRecord, listRecords, newContainerId, readPid, validateName, type ContainerRecord } from '../containers/records.js';
import type { PortMapping } from '../options/parse.js';
import { findExecutable } from '../runtime/runtime.js';

/**
 * A pod: containers sharing network, IPC and UTS namespaces. An infra
 * container running `catatonit -P` (it only waits) holds the namespaces;
 * the others join them through /proc/<infra pid>/ns/*.
 */
export interface PodRecord {
  id: string;
  name: string;
  created: string;
  infraId: string;
  network: 'none' | 'host' | 'bridge';
  publish: PortMapping[];
  hostname?: string;
}

const SHARED = { network: 'net', ipc: 'ipc', uts: 'uts' } as const;

function podFile(context: PodContext, id: string): string {
  return join(context.paths.pods, `${id}.json`);
}

export async function listPods(context: PodContext): Promise<PodRecord[]> {
  const files = await readdir(context.paths.pods).catch(() => [] as string[]);
  const pods = await Promise.all(files.filter((f) => f.endsWith('.json')).map((f) => readFile(join(context.paths.pods, f), 'utf8').then((t) => JSON.parse(t) as PodRecord).catch(() => undefined)));
  return pods.filter((p): p is PodRecord => p !== undefined).sort(byCreated);
}

export async function findPod(context: PodContext, nameOrId: string): Promise<PodRecord> {
  const pods = await listPods(context);
  const found = pods.find((p) => p.name === nameOrId || p.id === nameOrId) ?? pods.filter((p) => p.id.startsWith(nameOrId)).at(0);
  if (!found || nameOrId === '') throw new PodError('ERR_POD_NO_SUCH_POD', `no pod ${JSON.stringify(nameOrId)}`, { hint: 'see oci-pod pod ps' });
  return found;
}

export interface CreatePodOptions {
  name?: string;
  network?: 'none' | 'host' | 'bridge';
  publish?: PortMapping[];
  hostname?: string;
}

/** Create a pod and start its infra container. */
export async function createPod(context: PodContext, options: CreatePodOptions = {}): Promise<PodRecord> {
  const id = newContainerId();
  const name = options.name ?? `pod_${id.slice(0, 8)}`;
  validateName(name);
  if ((await listPods(context)).some((p) => p.name === name)) throw new PodError('ERR_POD_NAME_IN_USE', `a pod named ${JSON.stringify(name)} exists`);
  const catatonit = await findExecutable('catatonit', context.searchPath);
  if (!catatonit) throw new PodError('ERR_POD_NO_INIT', 'pods need catatonit on PATH for their infra process', { hint: 'install catatonit' });
  const rootfs = join(context.paths.pods, id, 'rootfs');
  await mkdir(rootfs, { recursive: true });
  const infra = await createContainer(context, {
    name: `${name}-infra`,
    image: 'infra',
    rootfs,
    rootfsSource: 'dir',
    entrypoint: ['/catatonit', '-P'],
    command: [],
    mounts: [{ destination: '/catatonit', type: 'bind', source: catatonit, options: ['bind', 'ro'] }],
    readOnly: true,
    network: options.network ?? 'none',
    publish: options.publish ?? [],
    detached: true,
    infra: true,
    stopTimeout: 2,
    ...(options.hostname ? { hostname: options.hostname } : { hostname: name }),
  });
  const pod: PodRecord = { id, name, created: new Date().toISOString(), infraId: infra.id, network: options.network ?? 'none', publish: options.publish ?? [] };
  if (options.hostname) pod.hostname = options.hostname;
  await writeStateFile(podFile(context, id), Buffer.from(JSON.stringify(pod, null, 2)));
  await startDetached(context, infra);
  return pod;
}

/** Start the infra container again if it is not running (after pod stop). */
async function ensureInfraRunning(context: PodContext, pod: PodRecord): Promise<number> {
  const infra = await findRecord(context.paths, pod.infraId);
  const state = await containerState(context, infra);
  if (state.status === 'running' && state.pid) return state.pid;
  await rm(context.paths.exitFile(infra.id), { force: true });
  await rm(context.paths.pidFile(infra.id), { force: true });
  await startDetached(context, infra);
  const pid = await readPid(context.paths, infra.id);
  if (!pid) throw new PodError('ERR_POD_INFRA', `the infra container of pod ${pod.name} is not running`);
  return pid;
}

/** What a container needs to join the pod. */
export async function podNamespaces(context: PodContext, nameOrId: string): Promise<{ name: string; namespaces: Record<string, string> }> {
  const pod = await findPod(context, nameOrId);
  const pid = await ensureInfraRunning(context, pod);
  const namespaces: Record<string, string> = {};
  for (const [type, file] of Object.entries(SHARED)) {
    if (type === 'network' && pod.network === 'host') continue;
    namespaces[type] = `/proc/${pid}/ns/${file}`;
  }
  return { name: pod.name, namespaces };
}

export async function podContainers(context: PodContext, pod: PodRecord): Promise<ContainerRecord[]> {
  return (await listRecords(context.paths)).filter((r) => r.pod === pod.name || r.id === pod.infraId);
}

/** Stop the pod's containers, the infra container last. */
export async function stopPod(context: PodContext, pod: PodRecord, timeoutSeconds?: number): Promise<void> {
  const members = await podContainers(context, pod);
  await Promise.all(members.filter((c) => !c.infra).map((c) => stopContainer(context, c, timeoutSeconds)));
  for (const c of members.filter((m) => m.infra)) await stopContainer(context, c, timeoutSeconds);
}

export async function removePod(context: PodContext, pod: PodRecord, force = false): Promise<void> {
  const members = await podContainers(context, pod);
  if (!force) {
    for (const c of members) {
      const state = await containerState(context, c);
      if (!c.infra && (state.status === 'running' || state.status === 'paused')) {
        throw new PodError('ERR_POD_CONTAINER_RUNNING', `container ${c.name} of pod ${pod.name} is running`, { hint: 'pod stop it first or use pod rm -f' });
      }
    }
  }
  for (const c of members.filter((m) => !m.infra)) await removeContainer(context, c, { force: true });
  for (const c of members.filter((m) => m.infra)) await removeContainer(context, c, { force: true });
  await rm(join(context.paths.pods, pod.id), { recursive: true, force: true });
  await rm(podFile(context, pod.id), { force: true });
}
