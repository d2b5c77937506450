import type { RuntimeSpec } from '@ocikit/oci-image';
import type { ContainerRecord } from '../containers/records.js';
import { DEFAULT_CAPABILITIES } from '../runtime/spec.js';
import type { PortMapping } from '../options/parse.js';

/**
 * Kubernetes Pod objects from containers, the way out to a cluster: the
 * fields a Pod has for what oci-pod runs (command, env, workingDir,
 * security context, limits, ports, hostPath and emptyDir volumes).
 */
export interface KubeContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: Array<{ name: string; value: string }>;
  ports?: Array<{ containerPort: number; hostPort?: number; hostIP?: string; protocol: 'TCP' | 'UDP' }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  resources?: { limits?: Record<string, string> };
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
}

export interface KubeVolume {
  name: string;
  hostPath?: { path: string; type?: 'Directory' | 'File' | 'DirectoryOrCreate' };
  emptyDir?: { medium?: 'Memory' };
}

export interface KubePod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { hostname?: string; restartPolicy?: 'Always' | 'OnFailure' | 'Never'; containers: KubeContainer[]; volumes?: KubeVolume[] };
}

/** Annotation marking a container whose "image" is a root filesystem directory (oci-pod --rootfs). */
export const ROOTFS_ANNOTATION_PREFIX = 'io.ocikit.rootfs/';

/** A DNS-1123 label, as Kubernetes wants names. */
export function kubeName(name: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return clean || 'container';
}

const BASE_ENV = new Set(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm']);

export interface GenerateInput {
  record: ContainerRecord;
  spec: RuntimeSpec;
}

export function generatePod(name: string, containers: GenerateInput[], options: { hostname?: string; publish?: PortMapping[] } = {}): KubePod {
  const volumes: KubeVolume[] = [];
  const annotations: Record<string, string> = {};
  const kubeContainers = containers.map(({ record, spec }) => {
    const cname = kubeName(record.name);
    const proc = spec.process!;
    const container: KubeContainer = { name: cname, image: record.image, command: [...proc.args] };
    if (record.rootfsSource === 'dir') annotations[`${ROOTFS_ANNOTATION_PREFIX}${cname}`] = 'true';
    if (container.command?.[0] === '/run/ocikit-init') container.command = container.command.slice(2);
    if (proc.cwd && proc.cwd !== '/') container.workingDir = proc.cwd;
    const env = (proc.env ?? []).filter((e) => !BASE_ENV.has(e)).map((e) => ({ name: e.split('=')[0]!, value: e.slice(e.indexOf('=') + 1) }));
    if (env.length) container.env = env;
    const ports = [...(record.network.ports ?? []), ...(options.publish ?? [])];
    if (ports.length) {
      container.ports = ports.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIP ? { hostIP: p.hostIP } : {}), protocol: p.protocol === 'udp' ? 'UDP' : 'TCP' }));
    }
    container.securityContext = securityContext(spec);
    const limits = resourceLimits(spec);
    if (limits) container.resources = { limits };
    const implied = spec.root?.readonly ? ['/tmp', '/var/tmp', '/run'] : [];
    const mounts = (spec.mounts ?? []).filter((m) => isUserMount(m.destination, m.type, m.source) && !(m.type === 'tmpfs' && implied.includes(m.destination)));
    if (mounts.length) {
      container.volumeMounts = mounts.map((m) => {
        const vname = kubeName(`${cname}-${m.destination.replace(/\//g, '-')}`);
        volumes.push(m.type === 'tmpfs' ? { name: vname, emptyDir: { medium: 'Memory' } } : { name: vname, hostPath: { path: m.source!, type: 'Directory' } });
        return { name: vname, mountPath: m.destination, ...(m.options?.includes('ro') ? { readOnly: true } : {}) };
      });
    }
    return container;
  });
  const pod: KubePod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: kubeName(name), labels: { app: kubeName(name) } },
    spec: { restartPolicy: 'Never', containers: kubeContainers },
  };
  if (Object.keys(annotations).length) pod.metadata.annotations = annotations;
  if (options.hostname) pod.spec.hostname = options.hostname;
  if (volumes.length) pod.spec.volumes = volumes;
  return pod;
}

/** Mounts the user asked for (not the runtime's /proc, /dev ... nor the init binary). */
function isUserMount(destination: string, type: string | undefined, source: string | undefined): boolean {
  if (['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/run/ocikit-init', '/catatonit', '/etc/resolv.conf', '/etc/hosts'].includes(destination)) return false;
  return type === 'tmpfs' || (type === 'bind' && typeof source === 'string');
}

function securityContext(spec: RuntimeSpec): KubeContainer['securityContext'] {
  const proc = spec.process!;
  const caps = new Set(proc.capabilities?.bounding ?? DEFAULT_CAPABILITIES);
  const strip = (c: string) => c.replace(/^CAP_/, '');
  const add = [...caps].filter((c) => !DEFAULT_CAPABILITIES.includes(c)).map(strip);
  const drop = DEFAULT_CAPABILITIES.filter((c) => !caps.has(c)).map(strip);
  const context: NonNullable<KubeContainer['securityContext']> = {};
  if (proc.user.uid !== 0) context.runAsUser = proc.user.uid;
  if (proc.user.gid !== 0) context.runAsGroup = proc.user.gid;
  if (spec.root?.readonly) context.readOnlyRootFilesystem = true;
  if (proc.noNewPrivileges) context.allowPrivilegeEscalation = false;
  if (add.length || drop.length) context.capabilities = { ...(add.length ? { add } : {}), ...(drop.length ? { drop } : {}) };
  return context;
}

function resourceLimits(spec: RuntimeSpec): Record<string, string> | undefined {
  const resources = spec.linux?.resources as { memory?: { limit?: number }; cpu?: { quota?: number; period?: number } } | undefined;
  const limits: Record<string, string> = {};
  if (resources?.memory?.limit) limits.memory = String(resources.memory.limit);
  if (resources?.cpu?.quota && resources.cpu.period) limits.cpu = `${Math.round((resources.cpu.quota / resources.cpu.period) * 1000)}m`;
  return Object.keys(limits).length ? limits : undefined;
}
