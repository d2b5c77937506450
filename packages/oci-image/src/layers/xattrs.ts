import { execFile, execFileSync } from 'node:child_process';

/**
 * Extended attributes through the attr tools (setfattr/getfattr): Node has no
 * xattr syscalls, and xattrs are rare in layers (capabilities on a few
 * binaries), so a child process per file that has them costs little.
 */
export function setXattr(path: string, name: string, value: Buffer): void {
  execFileSync('setfattr', ['-h', '-n', name, '-v', `0s${value.toString('base64')}`, '--', path], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Attributes that describe the host, not the content; never copied into a layer. */
export const HOST_SPECIFIC_XATTRS: ReadonlySet<string> = new Set(['security.selinux', 'system.nfs4_acl']);

let available: boolean | undefined;

function getfattr(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('getfattr', args, { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') available = false;
      // getfattr exits 1 when some file has none or vanished; what it printed is still right.
      resolve(stdout ?? '');
    });
  });
}

function parseDump(text: string, into: Map<string, Map<string, Buffer>>): void {
  let file: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      file = unescapeName(line.slice(8));
      continue;
    }
    const eq = line.indexOf('=');
    if (!file || eq <= 0) continue;
    const name = unescapeName(line.slice(0, eq));
    if (HOST_SPECIFIC_XATTRS.has(name)) continue;
    const raw = line.slice(eq + 1);
    const value = raw.startsWith('0s') ? Buffer.from(raw.slice(2), 'base64') : Buffer.from(raw.replace(/^"|"$/g, ''), 'utf8');
    let attrs = into.get(file);
    if (!attrs) into.set(file, (attrs = new Map()));
    attrs.set(name, value);
  }
}

/** getfattr escapes unusual bytes in names as \ooo octal. */
function unescapeName(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && /^[0-7]{3}$/.test(text.slice(i + 1, i + 4))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(text[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Extended attributes of many paths (absolute), batched; empty when getfattr is missing. */
export async function readXattrs(paths: readonly string[]): Promise<Map<string, Map<string, Buffer>>> {
  const result = new Map<string, Map<string, Buffer>>();
  if (available === false) return result;
  for (let i = 0; i < paths.length && (available as boolean | undefined) !== false; i += 2000) {
    const batch = paths.slice(i, i + 2000);
    const out = await getfattr(['-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', '--', ...batch]);
    parseDump(out, result);
  }
  return result;
}
