import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printJson, printLine } from '@ocikit/oci-image/cli';
import { containerState, killContainer, removeContainer, stopContainer, waitForExit } from '../containers/lifecycle.js';
import { findRecord } from '../containers/records.js';
import { PodError } from '../errors.js';
import { contextFromArgs, strings } from './context.js';

type Args = Record<string, unknown>;

export async function stop(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  for (const name of strings(argv.containers)) {
    const record = await findRecord(context.paths, name);
    await stopContainer(context, record, argv.time === undefined ? record.stopTimeout : Number(argv.time));
    printLine(name);
  }
}

export async function kill(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  const signal = normaliseSignal(String(argv.signal));
  for (const name of strings(argv.containers)) {
    await killContainer(context, await findRecord(context.paths, name), signal);
    printLine(name);
  }
}

export async function wait(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  for (const name of strings(argv.containers)) {
    const code = await waitForExit(context, await findRecord(context.paths, name));
    if (code === undefined) throw new PodError('ERR_POD_NOT_STARTED', `container ${name} was never started`);
    printLine(String(code));
  }
}

export async function rm(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  for (const name of strings(argv.containers)) {
    const record = await findRecord(context.paths, name);
    if (record.infra) throw new PodError('ERR_POD_INFRA', `${name} is the infra container of a pod`, { hint: 'use oci-pod pod rm' });
    await removeContainer(context, record, { force: Boolean(argv.force) });
    printLine(record.id);
  }
}

export async function inspect(argv: Args): Promise<void> {
  const context = contextFromArgs(argv);
  const out = [];
  for (const name of strings(argv.containers)) {
    const record = await findRecord(context.paths, name);
    const state = await containerState(context, record);
    const spec = JSON.parse(await readFile(join(context.paths.bundle(record.id), 'config.json'), 'utf8').catch(() => 'null')) as unknown;
    out.push({ ...record, state, bundle: context.paths.bundle(record.id), spec });
  }
  printJson(out);
}

/** "TERM", "SIGTERM", "15" -> "SIGTERM" / "15" (runtimes take both). */
export function normaliseSignal(value: string): string {
  if (/^[0-9]+$/.test(value)) return value;
  const upper = value.toUpperCase();
  return upper.startsWith('SIG') ? upper : `SIG${upper}`;
}
