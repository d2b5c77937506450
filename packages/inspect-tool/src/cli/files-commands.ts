import { pipeline } from 'node:stream/promises';
import { printJson, printLine } from '@ocikit/oci-image/cli';
import { listFiles, openFile, type ListedEntry } from '../files.js';
import { withImage } from '../open.js';
import type { CommandContext } from './dispatch.js';
import { isoSeconds, modeString } from './format.js';

function longLine(e: ListedEntry): string {
  const n = e.node;
  const i = e.inode;
  const link = n.type === 'symlink' ? ` -> ${n.linkname}` : n.type === 'hardlink' ? ` link to /${n.linkname}` : '';
  return `${modeString({ ...i, type: n.type })} ${`${i.uid}/${i.gid}`.padStart(9)} ${String(e.size).padStart(10)} ${isoSeconds(i.mtime)} ${e.path}${link}`;
}

function jsonEntry(e: ListedEntry) {
  const n = e.node;
  const i = e.inode;
  return { path: e.path, type: n.type, mode: `0${i.mode.toString(8)}`, uid: i.uid, gid: i.gid, size: e.size, mtime: isoSeconds(i.mtime), linkname: n.type === 'hardlink' ? `/${n.linkname}` : n.linkname, layer: n.layer };
}

export const ls = {
  async run(ctx: CommandContext): Promise<void> {
    const [input, path] = ctx.args.positionals as [string, string | undefined];
    const depth = ctx.args.options.depth as number | undefined;
    const entries = await withImage(input, ctx.open, (image) => listFiles(image, { path, depth, signal: ctx.signal, reference: input }));
    if (ctx.args.options.format === 'json') return printJson(entries.map(jsonEntry));
    const out = entries.map((e) => (ctx.args.options.long ? longLine(e) : e.path));
    if (out.length) printLine(out.join('\n'));
  },
};

export const cat = {
  async run(ctx: CommandContext): Promise<void> {
    const [input, path] = ctx.args.positionals as [string, string];
    await withImage(input, ctx.open, async (image) => {
      const content = await openFile(image, path, { signal: ctx.signal, reference: input });
      await pipeline(content, process.stdout, { end: false });
    });
  },
};
