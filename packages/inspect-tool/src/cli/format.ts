import type { FsNode } from '../fs-tree.js';

const TYPE_CHAR: Record<FsNode['type'], string> = { file: '-', dir: 'd', symlink: 'l', hardlink: '-', char: 'c', block: 'b', fifo: 'p' };

/** ls -l style mode string, with setuid/setgid/sticky bits. */
export function modeString(node: FsNode): string {
  const m = node.mode;
  const bit = (mask: number, c: string) => (m & mask ? c : '-');
  const special = (exec: number, flag: number, set: string, unset: string, c: string) => (m & flag ? (m & exec ? set : unset) : bit(exec, c));
  return (
    TYPE_CHAR[node.type] +
    bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's', 'S', 'x') +
    bit(0o040, 'r') + bit(0o020, 'w') + special(0o010, 0o2000, 's', 'S', 'x') +
    bit(0o004, 'r') + bit(0o002, 'w') + special(0o001, 0o1000, 't', 'T', 'x')
  );
}

export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A plain text table: columns padded to their widest cell; numbers aligned right. */
export function table(headers: string[], rows: Array<Array<string | number>>, rightAligned: number[] = []): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const last = headers.length - 1;
  return cells
    .map((r) => r.map((c, i) => (i === last ? c : rightAligned.includes(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  '))
    .join('\n');
}

export { humanBytes } from '../human-bytes.js';
