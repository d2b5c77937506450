import { findRecord } from '../containers/records.js';
import { readLogs } from '../containers/logs.js';
import { contextFromArgs } from './context.js';

export default async function logs(argv: Record<string, unknown>): Promise<void> {
  const context = contextFromArgs(argv);
  const record = await findRecord(context.paths, String(argv.container));
  await readLogs(context, record, {
    follow: Boolean(argv.follow),
    ...(argv.tail !== undefined ? { tail: Number(argv.tail) } : {}),
    onEntry: (entry, text) => (entry.stream === 'stderr' ? process.stderr : process.stdout).write(text),
  });
}
