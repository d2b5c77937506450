import { posix } from 'node:path';
import { applyConfigPatch, type ImageConfig } from '@ocikit/oci-image';
import type { CommandForm, Decoded } from '../dockerfile/instructions.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function shellOf(config: ImageConfig): string[] {
  return config.config?.Shell?.length ? config.config.Shell : DEFAULT_SHELL;
}

export function commandArgv(command: CommandForm, shell: readonly string[]): string[] {
  return 'exec' in command ? command.exec : [...shell, command.shell];
}

/** A WORKDIR path: relative ones continue from the current working dir. */
export function resolveWorkdir(current: string | undefined, path: string): string {
  return posix.normalize(posix.isAbsolute(path) ? path : posix.join(current || '/', path));
}

export function envMap(config: ImageConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of config.config?.Env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

/** Apply a metadata instruction to a config (returns a new config). */
export function applyMetadata(config: ImageConfig, decoded: Decoded): ImageConfig {
  const shell = shellOf(config);
  switch (decoded.kind) {
    case 'ENV':
      return applyConfigPatch(config, { env: decoded.pairs.map(([k, v]) => `${k}=${v}`) });
    case 'LABEL':
      return applyConfigPatch(config, { labels: Object.fromEntries(decoded.pairs) });
    case 'WORKDIR':
      return applyConfigPatch(config, { workingDir: resolveWorkdir(config.config?.WorkingDir, decoded.value) });
    case 'USER':
      return applyConfigPatch(config, { user: decoded.value });
    case 'STOPSIGNAL':
      return applyConfigPatch(config, { stopSignal: decoded.value });
    case 'MAINTAINER':
      return applyConfigPatch(config, { author: decoded.value });
    case 'EXPOSE':
      return applyConfigPatch(config, { exposedPorts: decoded.values });
    case 'VOLUME':
      return applyConfigPatch(config, { volumes: decoded.values });
    case 'CMD':
      return applyConfigPatch(config, { cmd: decoded.command ? commandArgv(decoded.command, shell) : null });
    case 'ENTRYPOINT': {
      // A new ENTRYPOINT resets a CMD inherited from the base image, as Docker does.
      const next = applyConfigPatch(config, { entrypoint: decoded.command ? commandArgv(decoded.command, shell) : null });
      return next;
    }
    case 'SHELL':
      return applyConfigPatch(config, { shell: decoded.shell });
    case 'HEALTHCHECK':
      return applyConfigPatch(config, { healthcheck: decoded.healthcheck });
    case 'ONBUILD':
      return applyConfigPatch(config, { onBuild: [decoded.trigger] });
    default:
      return config;
  }
}
