import { printJson, printLine } from '@ocikit/oci-image/cli';
import { imageHistory } from '../history.js';
import { withImage } from '../open.js';
import type { CommandContext } from './dispatch.js';
import { humanBytes, table } from './format.js';

export async function run(ctx: CommandContext): Promise<void> {
  const [input] = ctx.args.positionals as [string];
  const rows = await withImage(input, ctx.open, (image) => imageHistory(image, { signal: ctx.signal }));
  if (ctx.args.options.format === 'json') return printJson(rows);
  const body = rows.map((r) => [
    r.layer === null ? '-' : String(r.layer),
    r.layer === null ? '' : humanBytes(r.size),
    r.layer === null ? '' : String(r.added),
    r.layer === null ? '' : String(r.changed),
    r.layer === null ? '' : String(r.removed),
    r.created ?? '',
    r.createdBy.replace(/\s+/g, ' ').slice(0, 120),
  ]);
  printLine(table(['LAYER', 'SIZE', 'ADDED', 'CHANGED', 'REMOVED', 'CREATED', 'CREATED BY'], body, [1, 2, 3, 4]));
}
