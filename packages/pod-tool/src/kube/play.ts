import type { RuntimeMount } from '@ocikit/oci-image';
import { PodError } from '../errors.js';
import { normaliseCapability, parseBytes, parseCpus, type PortMapping } from '../options/parse.js';
import { ROOTFS_ANNOTATION_PREFIX, type KubeContainer, type KubePod, type KubeVolume } from './generate.js';

/** What `play kube` runs for one Pod (or a Deployment's pod template). */
export interface PodPlan {
  name: string;
  hostname?: string;
  publish: PortMapping[];
  containers: ContainerPlan[];
}

export interface ContainerPlan {
  name: string;
  image: string;
  /** image is a root filesystem directory (generated from an oci-pod --rootfs container). */
  rootfs: boolean;
  entrypoint?: string[];
  command?: string[];
  env: string[];
  workdir?: string;
  user?: string;
  mounts: RuntimeMount[];
  readOnly: boolean;
  noNewPrivileges: boolean;
  capAdd: string[];
  capDrop: string[];
  memoryBytes?: number;
  cpu?: { quota: number; period: number };
}

const bad = (message: string) => new PodError('ERR_POD_KUBE', message, { hint: 'play kube reads kind Pod, or Deployment with spec.template' });

/** The pods a YAML stream describes (documents of other kinds are skipped). */
export async function parseKubeYaml(text: string): Promise<PodPlan[]> {
  const { parseAllDocuments } = await import('yaml');
  const plans: PodPlan[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw bad(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value = doc.toJS() as Record<string, any> | null;
    if (!value) continue;
    if (value.kind === 'Pod') plans.push(planPod(value as KubePod));
    else if (value.kind === 'Deployment') {
      const template = value.spec?.template;
      if (!template?.spec) throw bad('a Deployment without spec.template.spec');
      plans.push(planPod({ apiVersion: 'v1', kind: 'Pod', metadata: { ...(template.metadata ?? {}), name: template.metadata?.name ?? value.metadata?.name }, spec: template.spec } as KubePod));
    }
  }
  if (plans.length === 0) throw bad('no Pod or Deployment in the file');
  return plans;
}

function planPod(pod: KubePod): PodPlan {
  const name = pod.metadata?.name;
  if (typeof name !== 'string' || !name) throw bad('a Pod without metadata.name');
  if (!Array.isArray(pod.spec?.containers) || pod.spec.containers.length === 0) throw bad(`pod ${name} has no containers`);
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v] as const));
  const annotations = pod.metadata.annotations ?? {};
  const publish: PortMapping[] = [];
  const containers = pod.spec.containers.map((c) => {
    for (const p of c.ports ?? []) {
      if (p.hostPort) publish.push({ hostIP: p.hostIP ?? '', hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol === 'UDP' ? 'udp' : 'tcp' });
    }
    return planContainer(c, volumes, annotations[`${ROOTFS_ANNOTATION_PREFIX}${c.name}`] === 'true');
  });
  const plan: PodPlan = { name, publish, containers };
  if (pod.spec.hostname) plan.hostname = pod.spec.hostname;
  return plan;
}

function planContainer(c: KubeContainer, volumes: Map<string, KubeVolume>, rootfs: boolean): ContainerPlan {
  if (typeof c.name !== 'string' || typeof c.image !== 'string' || !c.image) throw bad(`a container needs a name and an image`);
  const security = c.securityContext ?? {};
  const plan: ContainerPlan = {
    name: c.name,
    image: c.image,
    rootfs,
    env: (c.env ?? []).map((e) => `${e.name}=${e.value ?? ''}`),
    mounts: (c.volumeMounts ?? []).map((m) => volumeMount(m, volumes)),
    readOnly: security.readOnlyRootFilesystem === true,
    noNewPrivileges: security.allowPrivilegeEscalation === false,
    capAdd: (security.capabilities?.add ?? []).map(normaliseCapability),
    capDrop: (security.capabilities?.drop ?? []).map(normaliseCapability),
  };
  // Kubernetes: command replaces the entrypoint, args the image's Cmd.
  if (c.command) plan.entrypoint = c.command;
  if (c.args) plan.command = c.args;
  if (c.workingDir) plan.workdir = c.workingDir;
  if (security.runAsUser !== undefined) plan.user = security.runAsGroup !== undefined ? `${security.runAsUser}:${security.runAsGroup}` : String(security.runAsUser);
  const limits = c.resources?.limits ?? {};
  if (limits.memory) plan.memoryBytes = parseQuantity(limits.memory);
  if (limits.cpu) plan.cpu = parseCpus(String(limits.cpu).endsWith('m') ? String(Number(String(limits.cpu).slice(0, -1)) / 1000) : String(limits.cpu));
  return plan;
}

function volumeMount(m: { name: string; mountPath: string; readOnly?: boolean }, volumes: Map<string, KubeVolume>): RuntimeMount {
  const volume = volumes.get(m.name);
  if (!volume) throw bad(`volumeMount ${m.name} names no volume`);
  const ro = m.readOnly ? 'ro' : 'rw';
  if (volume.hostPath?.path) return { destination: m.mountPath, type: 'bind', source: volume.hostPath.path, options: ['rbind', 'rprivate', ro] };
  if (volume.emptyDir) return { destination: m.mountPath, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ro] };
  throw bad(`volume ${m.name}: only hostPath and emptyDir are supported`);
}

/** Kubernetes quantities: 128Mi, 1G, 1048576. */
export function parseQuantity(value: string | number): number {
  const text = String(value);
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  if (!m) return parseBytes(text, 'resources.limits.memory');
  const factor = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ''] ?? 1;
  return Math.floor(Number(m[1]) * factor);
}
