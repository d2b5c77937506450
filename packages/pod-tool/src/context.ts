import { readFile } from 'node:fs/promises';
import { ContainerPaths } from './containers/records.js';
import { findRuntime, type OciRuntime } from './runtime/runtime.js';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** Everything a pod-tool operation needs from its caller; libraries read no environment. */
export interface PodContext {
  paths: ContainerPaths;
  /** The runtime for new containers (runc or crun, or a path). */
  runtimeName: string;
  /** PATH to find runtimes, catatonit, ip and friends on. */
  searchPath: string;
  /** The node binary, to start a detached container's monitor. */
  execPath: string;
  /** Directory of the CNI plugins. */
  cniPath: string;
  logger?: Logger;
}

export function createContext(options: { runroot: string; runtime?: string; searchPath: string; execPath: string; cniPath?: string; logger?: Logger }): PodContext {
  const context: PodContext = {
    paths: new ContainerPaths(options.runroot),
    runtimeName: options.runtime ?? 'runc',
    searchPath: options.searchPath,
    execPath: options.execPath,
    cniPath: options.cniPath ?? '/usr/lib/cni',
  };
  if (options.logger) context.logger = options.logger;
  return context;
}

const runtimes = new Map<string, Promise<OciRuntime>>();

/** The runtime by name or path, found once per process. */
export function resolveRuntime(context: PodContext, nameOrPath = context.runtimeName): Promise<OciRuntime> {
  const key = `${context.paths.runtimeState}\0${context.searchPath}\0${nameOrPath}`;
  let found = runtimes.get(key);
  if (!found) {
    found = findRuntime(nameOrPath, { searchPath: context.searchPath, stateRoot: context.paths.runtimeState });
    found.catch(() => runtimes.delete(key));
    runtimes.set(key, found);
  }
  return found;
}

const LIMIT_NAMES: Record<string, string> = {
  'Max open files': 'RLIMIT_NOFILE',
  'Max processes': 'RLIMIT_NPROC',
  'Max core file size': 'RLIMIT_CORE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max stack size': 'RLIMIT_STACK',
};

let hardLimits: Promise<Partial<Record<string, number>>> | undefined;

/** This process's hard rlimits, from /proc/self/limits (Node has no getrlimit); read once, they do not change. */
export function readHardLimits(): Promise<Partial<Record<string, number>>> {
  hardLimits ??= readLimitsFile();
  return hardLimits;
}

async function readLimitsFile(): Promise<Partial<Record<string, number>>> {
  const text = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const out: Partial<Record<string, number>> = {};
  for (const line of text.split('\n')) {
    for (const [label, type] of Object.entries(LIMIT_NAMES)) {
      if (!line.startsWith(label)) continue;
      const hard = line.slice(label.length).trim().split(/\s+/)[1];
      if (hard && hard !== 'unlimited') out[type] = Number(hard);
    }
  }
  return out;
}
