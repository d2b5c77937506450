import { execFile } from 'node:child_process';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UnsafePathError } from '@ocikit/oci-image';

const run = promisify(execFile);

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export interface Whiteout {
  /** The folder it sits in, relative, '' for the top. */
  dir: string;
  /** The name it hides; undefined for an opaque marker. */
  name: string | undefined;
}

/**
 * The real folder `rel` inside `root`, created when missing; refuses to go
 * through a symlink (a layer must not make us write outside its tree).
 */
export async function safeDir(root: string, rel: string): Promise<string> {
  let current = root;
  for (const part of rel.split('/').filter(Boolean)) {
    current = join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (!info) await mkdir(current, { mode: 0o755 });
    else if (!info.isDirectory()) throw new UnsafePathError(rel, `${part} is not a folder`);
  }
  return current;
}

/** Run `command` over many paths, a few hundred per process (one spawn per path is slow for big deletions). */
async function inBatches(paths: readonly string[], run1: (batch: string[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < paths.length; i += 500) await run1(paths.slice(i, i + 500));
}

/** Turn the whiteouts of an unpacked layer into overlayfs form: 0/0 char devices and the opaque xattr. */
export async function writeOverlayWhiteouts(root: string, whiteouts: readonly Whiteout[]): Promise<void> {
  const opaque: string[] = [];
  const devices: string[] = [];
  for (const w of whiteouts) {
    const dir = await safeDir(root, w.dir);
    if (w.name === undefined) {
      await rm(join(dir, OPAQUE_MARKER), { force: true });
      opaque.push(dir);
    } else {
      await rm(join(dir, WHITEOUT_PREFIX + w.name), { force: true, recursive: true });
      await rm(join(dir, w.name), { force: true, recursive: true });
      devices.push(join(dir, w.name));
    }
  }
  await inBatches([...new Set(opaque)], (batch) => run('setfattr', ['-h', '-n', OPAQUE_XATTR, '-v', 'y', '--', ...batch]));
  await inBatches([...new Set(devices)], (batch) => run('sh', ['-c', 'for p; do mknod -m 0 "$p" c 0 0 || exit 1; done', 'sh', ...batch]));
}

/** Is this lstat result an overlayfs whiteout? */
export function isOverlayWhiteout(info: { isCharacterDevice(): boolean; rdev: number }): boolean {
  return info.isCharacterDevice() && info.rdev === 0;
}
