import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { RuntimeError } from '../errors.js';
import { runtimeCommand, runtimeKill, type OciRuntime } from './runtime.js';

export interface RunContainerOptions {
  runtime: OciRuntime;
  /** The container id the runtime knows it by. */
  id: string;
  /** Passed to the runtime child; the runtime passes its fds 0-2 (and preserved fds) to the container. Default inherit. */
  stdio?: StdioOptions;
  /**
   * The spec has process.terminal: the runtime allocates the pty and copies
   * between it and its own stdin/stdout, which must then be a terminal; when
   * `ttyHost` is 'script', util-linux script(1) provides one.
   */
  ttyHost?: 'stdin' | 'script';
  /** Extra fds after stdio handed to the container (socket activation: LISTEN_FDS). */
  preserveFds?: number;
  pidFile?: string;
  /** Aborting kills the container (SIGKILL) and resolves with its status. */
  signal?: AbortSignal;
}

export interface ContainerProcess {
  child: ChildProcess;
  /** The container's exit code (128+N when killed by signal N), as the runtime reports it. */
  exited: Promise<number>;
  /** Send a signal to the container's init process through the runtime. */
  kill(signal?: string): Promise<void>;
}

/**
 * Start `runtime run` on a bundle as a direct child: the container's stdio
 * is the child's, its exit status is the child's exit status.
 */
export function startContainer(bundleDir: string, options: RunContainerOptions): ContainerProcess {
  const args = ['run', '--bundle', bundleDir];
  if (options.pidFile) args.push('--pid-file', options.pidFile);
  if (options.preserveFds) args.push('--preserve-fds', String(options.preserveFds));
  args.push(options.id);
  let { file, args: argv } = runtimeCommand(options.runtime, args);
  if (options.ttyHost === 'script') {
    argv = ['-q', '-e', '-f', '-c', [file, ...argv].map(shellQuote).join(' '), '/dev/null'];
    file = 'script';
  }
  const child = spawn(file, argv, { stdio: options.stdio ?? 'inherit' });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new RuntimeError(options.runtime.name, `cannot start: ${error.message}`, undefined, { cause: error })));
    child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
  const kill = (signal = 'SIGTERM') => runtimeKill(options.runtime, options.id, signal).catch(() => undefined);
  if (options.signal) {
    const onAbort = () => void kill('SIGKILL');
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    void exited.finally(() => options.signal?.removeEventListener('abort', onAbort)).catch(() => undefined);
  }
  return { child, exited, kill };
}

/** Run a container to completion and return its exit code. */
export async function runContainer(bundleDir: string, options: RunContainerOptions): Promise<number> {
  return startContainer(bundleDir, options).exited;
}

/**
 * Forward signals the caller receives to the runtime child, which passes
 * them on to the container (runc and crun do in the foreground). Returns
 * a function that removes the handlers.
 */
export function forwardSignals(proc: ContainerProcess, host: NodeJS.Process, signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH']): () => void {
  const handlers = signals.map((name) => {
    const handler = () => {
      proc.child.kill(name);
    };
    host.on(name, handler);
    return [name, handler] as const;
  });
  return () => {
    for (const [name, handler] of handlers) host.off(name, handler);
  };
}

export function signalNumber(signal: string | null | undefined): number {
  if (!signal) return 0;
  return (osConstants.signals as Record<string, number>)[signal] ?? 1;
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
