import { spawn, type StdioOptions } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeSpec } from '@ocikit/oci-image';
import { writeStateFile } from '../state-file.js';
import { resolveUser } from '@ocikit/oci-image/conversion';
import { resolveRuntime, type PodContext } from '../context.js';
import { PodError, RuntimeError } from '../errors.js';
import { mergeEnv } from '../options/parse.js';
import { shellQuote, signalNumber } from '../runtime/run.js';
import { runtimeCommand } from '../runtime/runtime.js';
import { containerState } from './lifecycle.js';
import type { ContainerRecord } from './records.js';

export interface ExecOptions {
  command: string[];
  env?: string[];
  workdir?: string;
  /** Config.User syntax, resolved in the container's rootfs. */
  user?: string;
  tty?: boolean;
  ttyHost?: 'stdin' | 'script';
  stdio?: StdioOptions;
  detach?: boolean;
}

/**
 * Run another proc in a running container (runtime exec), with the
 * container's own capabilities, rlimits and no-new-privileges; returns its
 * exit code.
 */
export async function execInContainer(context: PodContext, record: ContainerRecord, options: ExecOptions): Promise<number> {
  if (options.command.length === 0) throw new PodError('ERR_POD_NO_COMMAND', 'exec needs a command');
  const state = await containerState(context, record);
  if (state.status !== 'running') throw new PodError('ERR_POD_NOT_RUNNING', `container ${record.name} is not running`);
  const runtime = await resolveRuntime(context, record.runtime);
  const spec = JSON.parse(await readFile(join(context.paths.bundle(record.id), 'config.json'), 'utf8')) as RuntimeSpec;
  const proc = { ...spec.process! };
  proc.args = options.command;
  proc.env = mergeEnv(proc.env ?? [], options.env ?? []);
  proc.terminal = options.tty ?? false;
  if (options.workdir) proc.cwd = options.workdir;
  // The running container's own root: when runc mounted it (a plain run --rm), record.rootfs is an empty mount point.
  if (options.user) proc.user = await resolveUser(options.user, state.pid ? `/proc/${state.pid}/root` : record.rootfs);
  delete proc.consoleSize;
  const processFile = join(context.paths.dir(record.id), `exec-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  await writeStateFile(processFile, Buffer.from(JSON.stringify(proc)));
  const args = ['exec', '--process', processFile, ...(options.detach ? ['--detach'] : []), record.id];
  let { file, args: argv } = runtimeCommand(runtime, args);
  if (options.tty && options.ttyHost === 'script') {
    argv = ['-q', '-e', '-f', '-c', [file, ...argv].map(shellQuote).join(' '), '/dev/null'];
    file = 'script';
  }
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(file, argv, { stdio: options.stdio ?? 'inherit' });
      child.once('error', (error) => reject(new RuntimeError(runtime.name, `exec: ${error.message}`)));
      child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
    });
  } finally {
    await rm(processFile, { force: true });
  }
}
