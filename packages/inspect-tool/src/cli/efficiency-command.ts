import { OciError } from '@ocikit/oci-image';
import { printJson, printLine, UsageError } from '@ocikit/oci-image/cli';
import { imageEfficiency } from '../efficiency.js';
import { withImage } from '../open.js';
import type { CommandContext } from './dispatch.js';
import { humanBytes, table } from './format.js';

export async function run(ctx: CommandContext): Promise<void> {
  const [input] = ctx.args.positionals as [string];
  const lowest = ctx.args.options['lowest-efficiency'] as number | undefined;
  if (lowest !== undefined && (lowest < 0 || lowest > 1)) throw new UsageError('--lowest-efficiency is a ratio between 0 and 1', 'e.g. --lowest-efficiency 0.95');
  const top = ctx.args.options.top as number;
  const report = await withImage(input, ctx.open, (image) => imageEfficiency(image, { signal: ctx.signal, top }));
  if (ctx.args.options.format === 'json') {
    printJson(report);
  } else {
    printLine(`efficiency:   ${(report.efficiency * 100).toFixed(2)} %`);
    printLine(`wasted bytes: ${report.wastedBytes} (${humanBytes(report.wastedBytes)}) of ${report.totalBytes} (${humanBytes(report.totalBytes)})`);
    if (report.offenders.length) {
      printLine('');
      printLine(table(['VERSIONS', 'WASTED', 'PATH'], report.offenders.map((o) => [o.versions, humanBytes(o.wastedBytes), o.finally === 'file' ? o.path : `${o.path} (${o.finally === 'gone' ? 'removed' : 'replaced'})`]), [0, 1]));
    }
  }
  if (lowest !== undefined && report.efficiency < lowest) {
    throw new OciError('ERR_INSPECT_INEFFICIENT', `efficiency ${report.efficiency.toFixed(4)} is below ${lowest}`, {
      hint: 'remove files in the layer that creates them, or squash the layers',
    });
  }
}
