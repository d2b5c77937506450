import { rm } from 'node:fs/promises';
import { printLine } from '@ocikit/oci-image/cli';
import { containerState, startDetached } from '../containers/lifecycle.js';
import { findRecord } from '../containers/records.js';
import { contextFromArgs, strings } from './context.js';

export default async function start(argv: Record<string, unknown>): Promise<void> {
  const context = contextFromArgs(argv);
  for (const name of strings(argv.containers)) {
    const record = await findRecord(context.paths, name);
    const state = await containerState(context, record);
    if (state.status === 'running') {
      printLine(name);
      continue;
    }
    await rm(context.paths.exitFile(record.id), { force: true });
    await rm(context.paths.pidFile(record.id), { force: true });
    await startDetached(context, { ...record, detached: true });
    printLine(name);
  }
}
