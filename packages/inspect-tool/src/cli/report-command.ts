import { writeOut } from '@ocikit/oci-image/cli';
import { withImage } from '../open.js';
import { imageReport } from '../report.js';
import type { CommandContext } from './dispatch.js';

export async function run(ctx: CommandContext): Promise<void> {
  const [input] = ctx.args.positionals as [string];
  const html = await withImage(input, ctx.open, (image) => imageReport(image, input, { signal: ctx.signal }));
  writeOut(html);
}
