import { printJson, printLine } from '@ocikit/oci-image/cli';
import { containerState } from '../containers/lifecycle.js';
import { listRecords } from '../containers/records.js';
import { contextFromArgs } from './context.js';

export default async function ps(argv: Record<string, unknown>): Promise<void> {
  const context = contextFromArgs(argv);
  const rows = [];
  for (const record of await listRecords(context.paths)) {
    if (record.infra && !argv.all) continue;
    const state = await containerState(context, record);
    if (!argv.all && state.status !== 'running') continue;
    rows.push({ id: record.id, name: record.name, image: record.image, command: record.command, created: record.created, pod: record.pod ?? '', ...state });
  }
  if (argv.format === 'json') return printJson(rows);
  if (argv.quiet) {
    for (const row of rows) printLine(row.id.slice(0, 12));
    return;
  }
  const table = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'POD', 'NAMES']];
  for (const r of rows) {
    const status = r.status === 'exited' ? `Exited (${r.exitCode ?? '?'})` : r.status[0]!.toUpperCase() + r.status.slice(1);
    table.push([r.id.slice(0, 12), r.image, r.command.join(' ').slice(0, 30), r.created.replace('T', ' ').slice(0, 19), status, r.pod, r.name]);
  }
  printLine(formatTable(table));
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
