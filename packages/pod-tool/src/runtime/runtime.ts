import { execFile, type ExecFileOptions } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { RuntimeError, RuntimeNotFoundError } from '../errors.js';

/**
 * An OCI runtime (runc or crun) as a plain value: where it is, where it
 * keeps its state, and whether it must run in a private mount namespace.
 */
export interface OciRuntime {
  /** runc or crun (the basename of the binary). */
  name: string;
  path: string;
  /** The runtime's own state directory (--root). */
  stateRoot: string;
  /**
   * crun refuses a hybrid cgroup layout (cgroup2 at /sys/fs/cgroup/unified
   * beside v1). Run it in a private mount namespace with that mount removed.
   */
  hybridWrapper?: { unshare: string; umount: string };
}

export interface FindRuntimeOptions {
  /** The PATH to search (the CLI passes process.env.PATH). */
  searchPath: string;
  /** The runtime's state directory, e.g. <runroot>/runtime/runc. */
  stateRoot: string;
}

/** Find a runtime by name or path on the given PATH; a clear error when missing. */
export async function findRuntime(nameOrPath: string, options: FindRuntimeOptions): Promise<OciRuntime> {
  const path = await findExecutable(nameOrPath, options.searchPath);
  if (!path) throw new RuntimeNotFoundError(nameOrPath);
  const name = basename(path);
  const runtime: OciRuntime = { name, path, stateRoot: join(options.stateRoot, name) };
  if (name.startsWith('crun') && (await isHybridCgroupHost())) {
    const unshare = await findExecutable('unshare', options.searchPath);
    const umount = await findExecutable('umount', options.searchPath);
    if (!unshare || !umount) throw new RuntimeError(name, 'needs unshare and umount (util-linux) on a hybrid cgroup host');
    runtime.hybridWrapper = { unshare, umount };
  }
  return runtime;
}

export async function findExecutable(nameOrPath: string, searchPath: string): Promise<string | undefined> {
  const candidates = nameOrPath.includes('/') ? [nameOrPath] : searchPath.split(delimiter).filter(Boolean).map((d) => join(d, nameOrPath));
  for (const candidate of candidates) {
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // try the next directory
    }
  }
  return undefined;
}

const UNIFIED = '/sys/fs/cgroup/unified';

async function isHybridCgroupHost(): Promise<boolean> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return mountinfo.split('\n').some((line) => {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    return fields[4] === UNIFIED && fields[dash + 1] === 'cgroup2';
  });
}

/** The command line that runs `runtime <args>`: file and argv. */
export function runtimeCommand(runtime: OciRuntime, args: string[]): { file: string; args: string[] } {
  const direct = [runtime.path, '--root', runtime.stateRoot, ...args];
  if (!runtime.hybridWrapper) return { file: direct[0]!, args: direct.slice(1) };
  const { unshare, umount } = runtime.hybridWrapper;
  // unshare execs sh, sh execs the runtime: the runtime stays our direct child's pid.
  const script = `${umount} ${UNIFIED} && exec "$@"`;
  return { file: unshare, args: ['-m', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...direct] };
}

/** Run a short runtime command (state, kill, delete, ps) and return its stdout. */
export function runtimeOutput(runtime: OciRuntime, args: string[], options: { signal?: AbortSignal } = {}): Promise<string> {
  const { file, args: argv } = runtimeCommand(runtime, args);
  const execOptions: ExecFileOptions = { maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' };
  if (options.signal) execOptions.signal = options.signal;
  return new Promise((resolve, reject) => {
    execFile(file, argv, execOptions, (error, stdout, stderr) => {
      if (error) {
        const code = typeof error.code === 'number' ? error.code : undefined;
        reject(new RuntimeError(runtime.name, `${args[0]} failed: ${lastLine(String(stderr)) || error.message}`, code, { cause: error }));
      } else resolve(String(stdout));
    });
  });
}

/** The last non-empty line of runtime stderr, with runc's JSON/logfmt noise removed. */
export function lastLine(text: string): string {
  const line = text.trim().split('\n').filter(Boolean).pop() ?? '';
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
  return (msg ? msg[1]!.replace(/\\"/g, '"') : line).trim();
}

export interface RuntimeState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused' | string;
  bundle: string;
}

/** The runtime's view of a container, or undefined when it does not know it. */
export async function runtimeState(runtime: OciRuntime, id: string): Promise<RuntimeState | undefined> {
  // runc and crun keep a directory per container under --root: none, no container (and no process to spawn).
  if (!(await stat(join(runtime.stateRoot, id)).catch(() => undefined))) return undefined;
  try {
    return JSON.parse(await runtimeOutput(runtime, ['state', id])) as RuntimeState;
  } catch (error) {
    if (error instanceof RuntimeError) return undefined;
    throw error;
  }
}

export async function runtimeKill(runtime: OciRuntime, id: string, signal: string, all = false): Promise<void> {
  await runtimeOutput(runtime, ['kill', ...(all ? ['--all'] : []), id, signal]);
}

export async function runtimeDelete(runtime: OciRuntime, id: string, force = false): Promise<void> {
  await runtimeOutput(runtime, ['delete', ...(force ? ['--force'] : []), id]);
}
