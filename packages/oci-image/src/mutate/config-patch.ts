import type { ContainerConfig, ImageConfig } from '../types.js';

/** Changes to an image config, as `oci-image config set` and buildah's `config` take them. */
export interface ConfigPatch {
  /** KEY=VALUE entries; a key already set is replaced in place. */
  env?: string[];
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  workingDir?: string;
  user?: string;
  /** e.g. "80/tcp" or "53/udp"; "80" means tcp. */
  exposedPorts?: string[];
  volumes?: string[];
  /** Labels to set; a value of undefined removes the label. */
  labels?: Record<string, string | undefined>;
  stopSignal?: string;
  author?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  healthcheck?: ContainerConfig['Healthcheck'] | null;
  shell?: string[];
  onBuild?: string[];
}

function mergeEnv(current: string[] | undefined, updates: string[]): string[] {
  const out = [...(current ?? [])];
  for (const entry of updates) {
    const key = entry.split('=', 1)[0];
    const at = out.findIndex((e) => e.split('=', 1)[0] === key);
    if (at === -1) out.push(entry);
    else out[at] = entry;
  }
  return out;
}

function addKeys(current: Record<string, object> | undefined, keys: string[], normalise: (k: string) => string = (k) => k) {
  const out: Record<string, object> = { ...(current ?? {}) };
  for (const key of keys) out[normalise(key)] = {};
  return out;
}

/** A new config with the patch applied; the input is not changed. */
export function applyConfigPatch(config: ImageConfig, patch: ConfigPatch): ImageConfig {
  const next: ImageConfig = structuredClone(config);
  const c: ContainerConfig = { ...(next.config ?? {}) };
  if (patch.env) c.Env = mergeEnv(c.Env, patch.env);
  if (patch.entrypoint !== undefined) c.Entrypoint = patch.entrypoint;
  if (patch.cmd !== undefined) c.Cmd = patch.cmd;
  if (patch.workingDir !== undefined) c.WorkingDir = patch.workingDir;
  if (patch.user !== undefined) c.User = patch.user;
  if (patch.exposedPorts) c.ExposedPorts = addKeys(c.ExposedPorts, patch.exposedPorts, (p) => (p.includes('/') ? p : `${p}/tcp`));
  if (patch.volumes) c.Volumes = addKeys(c.Volumes, patch.volumes);
  if (patch.labels) {
    const labels: Record<string, string> = { ...(c.Labels ?? {}) };
    for (const [k, v] of Object.entries(patch.labels)) {
      if (v === undefined) delete labels[k];
      else labels[k] = v;
    }
    c.Labels = labels;
  }
  if (patch.stopSignal !== undefined) c.StopSignal = patch.stopSignal;
  if (patch.healthcheck !== undefined) {
    if (patch.healthcheck === null) delete c.Healthcheck;
    else c.Healthcheck = patch.healthcheck;
  }
  if (patch.shell) c.Shell = patch.shell;
  if (patch.onBuild) c.OnBuild = [...(c.OnBuild ?? []), ...patch.onBuild];
  next.config = c;
  if (patch.author !== undefined) next.author = patch.author;
  if (patch.architecture !== undefined) next.architecture = patch.architecture;
  if (patch.os !== undefined) next.os = patch.os;
  if (patch.variant !== undefined) next.variant = patch.variant;
  return next;
}
