import { createWriteStream } from 'node:fs';
import { createContext, resolveRuntime } from '../context.js';
import { startContainer } from '../runtime/run.js';
import { lastLine, runtimeState } from '../runtime/runtime.js';
import { removeContainer } from './lifecycle.js';
import { pipeToLog } from './log-format.js';
import { readPid, readRecord, writeExit } from './records.js';

export interface MonitorOptions {
  runroot: string;
  id: string;
  searchPath: string;
  cniPath: string;
  execPath: string;
  /** Where to report "started PID" or "error MESSAGE", once. */
  report: (line: string) => void;
  /** Problems after the report (cleanup of a --rm container): the monitor has no one else to tell. */
  onError?: (error: unknown) => void;
}

/**
 * The monitor of a detached container (what conmon is to podman): it runs
 * the runtime in the foreground, keeps the container's output in the log,
 * and records the exit code when the container ends.
 */
export async function monitorContainer(options: MonitorOptions): Promise<number> {
  const context = createContext({ runroot: options.runroot, searchPath: options.searchPath, execPath: options.execPath, cniPath: options.cniPath });
  const record = await readRecord(context.paths, options.id);
  const runtime = await resolveRuntime(context, record.runtime);
  const log = createWriteStream(context.paths.log(record.id), { flags: 'a' });
  const proc = startContainer(context.paths.bundle(record.id), {
    runtime,
    id: record.id,
    pidFile: context.paths.pidFile(record.id),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(record.tty ? { ttyHost: 'script' as const } : {}),
  });
  let stderrTail = '';
  proc.child.stderr!.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-4096)));
  const copied = Promise.all([pipeToLog(proc.child.stdout!, 'stdout', log), pipeToLog(proc.child.stderr!, 'stderr', log)]);
  let reported = false;
  const exited = proc.exited.then((code) => ({ code }));
  for (;;) {
    const pid = await readPid(context.paths, record.id);
    // runc run writes the pid file at create, before start: report once the process runs.
    if (pid && (await runtimeState(runtime, record.id))?.status !== 'created') {
      options.report(`started ${pid}`);
      reported = true;
      break;
    }
    const done = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10))]);
    if (done) break;
  }
  const { code } = await exited;
  await copied;
  await new Promise<void>((resolve) => log.end(resolve));
  const started = reported || (await readPid(context.paths, record.id)) !== undefined;
  if (!reported) options.report(started ? `started 0` : `error ${lastLine(stderrTail) || `runtime exited with ${code}`}`);
  if (started) await writeExit(context.paths, record.id, code);
  if (record.autoRemove) await removeContainer(context, record, { force: true }).catch((error: unknown) => options.onError?.(error));
  return code;
}
