import { readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const ignoreMissing = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ENOENT') throw error;
};

/**
 * rm -rf of a folder of ours (a store's trash, a container's state), its
 * entries removed side by side: Node's recursive rm walks them one at a time
 * (lstat, rmdir, readdir, retry), about 5 ms for a container's few dirs, most
 * of an --rm's clean-up. Symlinks are removed, never followed (the entry types
 * are lstat's).
 */
export async function removeTree(path: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') return unlink(path).catch(ignoreMissing);
    // An empty dir we may not list (overlay's work/work is mode 000) can still go.
    if (code === 'EACCES') return rmdir(path).catch(() => Promise.reject(error));
    throw error;
  }
  await Promise.all(entries.map((entry) => (entry.isDirectory() ? removeTree(join(path, entry.name)) : unlink(join(path, entry.name)).catch(ignoreMissing))));
  await rmdir(path).catch(ignoreMissing);
}
