import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';

/**
 * Whether every existing component of each path, in the merged view of
 * overlay layers (upper dir first), is a real directory: then a runtime can
 * make what is missing and mount there without ever following a symlink
 * out of the rootfs. Answered without mounting anything. Opaque dirs are not
 * read (their xattr needs a tool to read), so layers an opaque dir hides
 * still count: that can only turn a true into false, never the reverse, and
 * on false the caller mounts the rootfs on the host and checks it there.
 */
export async function layeredPathsAreDirs(layers: readonly string[], paths: readonly string[]): Promise<boolean> {
  const answers = await Promise.all(paths.map((path) => pathIsDirs(layers, path)));
  return answers.every(Boolean);
}

async function pathIsDirs(layers: readonly string[], path: string): Promise<boolean> {
  const parts = posix.normalize(path).split('/').filter(Boolean);
  let merging = [...layers];
  for (let depth = 1; depth <= parts.length; depth++) {
    const relative = parts.slice(0, depth);
    const entries = await Promise.all(merging.map((layer) => lstat(join(layer, ...relative)).catch(() => undefined)));
    const below: string[] = [];
    let seen = false;
    for (const [i, entry] of entries.entries()) {
      if (!entry) continue;
      // The top-most entry is what the container sees.
      if (!seen && entry.isCharacterDevice() && entry.rdev === 0) return true; // a whiteout: absent, the runtime makes it
      if (!seen && !entry.isDirectory()) return false; // a symlink or a file where a dir must be
      seen = true;
      // A dir merges with the same dir below it; anything else ends the merge.
      if (!entry.isDirectory()) break;
      below.push(merging[i]!);
    }
    if (!seen) return true; // in no layer: the runtime makes it
    merging = below;
  }
  return true;
}
