import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveRuntime, type PodContext } from '../context.js';
import { PodError, RuntimeError } from '../errors.js';
import { startContainer, type ContainerProcess } from '../runtime/run.js';
import { runtimeDelete, runtimeKill, runtimeState } from '../runtime/runtime.js';
import { readExit, readPid, removeRecord, writeExit, type ContainerRecord } from './records.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'exited';

export interface ContainerState {
  status: ContainerStatus;
  pid?: number;
  exitCode?: number;
  finishedAt?: string;
}

/** The container's status: its exit record first, then what the runtime says. */
export async function containerState(context: PodContext, record: ContainerRecord): Promise<ContainerState> {
  const exit = await readExit(context.paths, record.id);
  if (exit) return { status: 'exited', exitCode: exit.exitCode, finishedAt: exit.finishedAt };
  const runtime = await resolveRuntime(context, record.runtime);
  const state = await runtimeState(runtime, record.id);
  if (state && (state.status === 'running' || state.status === 'paused')) return { status: state.status, pid: state.pid };
  if (state?.status === 'created') return { status: 'created', pid: state.pid };
  // Unknown to the runtime: never started, or ended without anyone recording it.
  return { status: (await readPid(context.paths, record.id)) ? 'exited' : 'created' };
}

export interface AttachOptions {
  stdio?: StdioOptions;
  ttyHost?: 'stdin' | 'script';
  preserveFds?: number;
  signal?: AbortSignal;
  /** Called once the runtime child runs, e.g. to forward signals to it. */
  onStart?: (proc: ContainerProcess) => void;
}

/** Run the container in the foreground; returns its exit code. */
export async function runAttached(context: PodContext, record: ContainerRecord, options: AttachOptions = {}): Promise<number> {
  const runtime = await resolveRuntime(context, record.runtime);
  const runOptions: Parameters<typeof startContainer>[1] = { runtime, id: record.id, pidFile: context.paths.pidFile(record.id) };
  if (options.stdio) runOptions.stdio = options.stdio;
  if (options.ttyHost) runOptions.ttyHost = options.ttyHost;
  if (options.preserveFds) runOptions.preserveFds = options.preserveFds;
  if (options.signal) runOptions.signal = options.signal;
  const proc = startContainer(context.paths.bundle(record.id), runOptions);
  options.onStart?.(proc);
  const code = await proc.exited;
  const started = (await readPid(context.paths, record.id)) !== undefined;
  // Someone may have removed the container (rm -f) while it ran: then there is nothing to record.
  const removed = !existsSync(context.paths.dir(record.id));
  if (record.autoRemove && started && !removed) {
    // --rm: the code is known and the record goes; an exit record is written only if removing fails.
    await removeContainer(context, record, { force: true, exited: true }).catch(async (error: unknown) => {
      await writeExit(context.paths, record.id, code).catch(() => undefined);
      throw error;
    });
  } else {
    if (started && !removed) await writeExit(context.paths, record.id, code);
    if (record.autoRemove && !removed) await removeContainer(context, record, { force: true });
  }
  if (!started) {
    throw new RuntimeError(runtime.name, `could not start container ${record.name} (exit ${code})`, code, { hint: 'see the runtime error above' });
  }
  return code;
}

/**
 * The compiled monitor script: dist/monitor-main.js, found from this module
 * whether it runs from dist/containers, a bundle chunk (dist/chunks), the
 * bundle itself (dist/) or the TypeScript sources (src/containers).
 */
export function monitorScript(): string {
  const candidates = ['../monitor-main.js', './monitor-main.js', '../dist/monitor-main.js', '../../dist/monitor-main.js'];
  for (const candidate of candidates) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (path.endsWith('/dist/monitor-main.js') && existsSync(path)) return path;
  }
  return fileURLToPath(new URL('../monitor-main.js', import.meta.url));
}

/**
 * Start the container detached: a small monitor process (in its own session,
 * outliving this one, as conmon does) runs the runtime, writes the output to
 * the log and records the exit code. Resolves once the container runs.
 */
export async function startDetached(context: PodContext, record: ContainerRecord): Promise<number> {
  const args = [monitorScript(), context.paths.runroot, record.id, context.searchPath, context.cniPath];
  // The monitor's own errors go to monitor.log beside the container's log.
  const errors = openSync(join(context.paths.dir(record.id), 'monitor.log'), 'a');
  const child = spawn(context.execPath, args, { detached: true, stdio: ['ignore', 'pipe', errors] });
  closeSync(errors);
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.once('error', reject);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    child.stdout!.once('end', () => resolve(text.split('\n')[0] ?? ''));
  });
  child.stdout!.destroy();
  child.unref();
  if (line.startsWith('started ')) return Number(line.slice(8));
  throw new RuntimeError(record.runtime.split('/').pop() ?? 'runtime', line.replace(/^error /, '') || 'the monitor failed to start the container');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait for the container to end; resolves with its exit code (-1 when unknown), or undefined on timeout. */
export async function waitForExit(context: PodContext, record: ContainerRecord, timeoutMs = Infinity, signal?: AbortSignal): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let notRunningSince: number | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const state = await containerState(context, record);
    if (state.status === 'exited' && state.exitCode !== undefined) return state.exitCode;
    if (state.status !== 'running' && state.status !== 'paused') {
      // The one who waits on the runtime writes the exit record just after; give it a moment.
      notRunningSince ??= Date.now();
      if (Date.now() - notRunningSince > 2000) return state.status === 'created' && !(await readPid(context.paths, record.id)) ? undefined : -1;
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(25);
  }
}

export async function killContainer(context: PodContext, record: ContainerRecord, signal = 'SIGKILL'): Promise<void> {
  const state = await containerState(context, record);
  if (state.status !== 'running' && state.status !== 'paused') {
    throw new PodError('ERR_POD_NOT_RUNNING', `container ${record.name} is not running`);
  }
  const runtime = await resolveRuntime(context, record.runtime);
  await runtimeKill(runtime, record.id, signal, signal === 'SIGKILL' || signal === '9');
}

/** Stop: the stop signal, then SIGKILL after the timeout (seconds). Returns the exit code. */
export async function stopContainer(context: PodContext, record: ContainerRecord, timeoutSeconds = record.stopTimeout): Promise<number | undefined> {
  const state = await containerState(context, record);
  if (state.status !== 'running' && state.status !== 'paused') return state.exitCode;
  const runtime = await resolveRuntime(context, record.runtime);
  await runtimeKill(runtime, record.id, record.stopSignal).catch(() => undefined);
  const code = await waitForExit(context, record, timeoutSeconds * 1000);
  if (code !== undefined) return code;
  context.logger?.debug(`${record.name} did not stop within ${timeoutSeconds}s: SIGKILL`);
  await runtimeKill(runtime, record.id, 'SIGKILL', true).catch(() => undefined);
  return waitForExit(context, record, 10_000);
}

/** Remove a container: runtime state, network namespace, rootfs hold and our record. */
export async function removeContainer(context: PodContext, record: ContainerRecord, options: { force?: boolean; exited?: boolean } = {}): Promise<void> {
  // `exited`: the caller saw the runtime end (a foreground run), no need to ask again.
  const state: ContainerState = options.exited ? { status: 'exited' } : await containerState(context, record);
  const runtime = await resolveRuntime(context, record.runtime);
  if (state.status === 'running' || state.status === 'paused') {
    if (!options.force) throw new PodError('ERR_POD_CONTAINER_RUNNING', `container ${record.name} is running`, { hint: 'stop it first or use rm -f' });
    await runtimeKill(runtime, record.id, 'SIGKILL', true).catch(() => undefined);
    await waitForExit(context, record, 10_000);
  }
  if (await runtimeState(runtime, record.id)) await runtimeDelete(runtime, record.id, true).catch(() => undefined);
  if (record.network.netns) {
    // Loaded only for containers with a network namespace of their own (bridge).
    const { tearDownNetwork } = await import('../network/network.js');
    await tearDownNetwork(context, record);
  }
  if (record.storage) {
    // Loaded only for containers of images: --rootfs ones never touch the store.
    const { openImageStore, releaseRootfs } = await import('../images/store-images.js');
    await releaseRootfs(await openImageStore(record.storage), record.storage.id);
  }
  await removeRecord(context.paths, record);
}
