import { printJson, printLine } from '@ocikit/oci-image/cli';
import { diffImages, type DiffType, type FileChange, type ImageDiff } from '../diff.js';
import { openReference, selectImage } from '../open.js';
import type { CommandContext } from './dispatch.js';
import { humanBytes, table } from './format.js';

function signed(n: number): string {
  return n > 0 ? `+${humanBytes(n)}` : n < 0 ? `-${humanBytes(-n)}` : '0 B';
}

function fileSection(title: string, list: FileChange[], withWhat = false): string[] {
  if (!list.length) return [];
  const rows = list.map((c) => [signed(c.delta), ...(withWhat ? [(c.what ?? []).join(',')] : []), c.path]);
  return [`${title} (${list.length}):`, table(['SIZE DELTA', ...(withWhat ? ['WHAT'] : []), 'PATH'], rows, [0]), ''];
}

export function diffText(diff: ImageDiff): string {
  const out: string[] = [];
  if (diff.files) {
    const { added, removed, modified, delta } = diff.files;
    out.push(`files: ${added.length} added, ${removed.length} removed, ${modified.length} modified, ${signed(delta)}`, '');
    out.push(...fileSection('added', added), ...fileSection('removed', removed), ...fileSection('modified', modified, true));
  }
  if (diff.config) {
    out.push(diff.config.length ? 'config:' : 'config: no differences');
    for (const c of diff.config) out.push(`  ${c.field}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`);
    out.push('');
  }
  for (const p of diff.packages ?? []) {
    const n = p.added.length + p.removed.length + p.changed.length;
    out.push(n ? `packages (${p.manager}):` : `packages (${p.manager}): no differences`);
    for (const a of p.added) out.push(`  + ${a.name} ${a.version}`);
    for (const r of p.removed) out.push(`  - ${r.name} ${r.version}`);
    for (const c of p.changed) out.push(`  ~ ${c.name} ${c.before.join(',')} -> ${c.after.join(',')}`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export async function run(ctx: CommandContext): Promise<void> {
  const [first, second] = ctx.args.positionals as [string, string];
  const types = ctx.args.options.type as DiffType[] | undefined;
  const a = await openReference(first, ctx.open);
  try {
    const b = await openReference(second, ctx.open);
    try {
      const [imageA, imageB] = await Promise.all([selectImage(a.artifact, ctx.open.platform), selectImage(b.artifact, ctx.open.platform)]);
      const diff = await diffImages(imageA, imageB, { types, signal: ctx.signal });
      if (ctx.args.options.format === 'json') printJson(diff);
      else printLine(diffText(diff));
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
  }
}
