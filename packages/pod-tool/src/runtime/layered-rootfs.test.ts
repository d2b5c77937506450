import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layeredPathsAreDirs } from './layered-rootfs.js';

/** Layers (upper first) made of the given entries: 'dir/', 'file', 'link->target', 'whiteout!'. */
function layers(...specs: string[][]): string[] {
  const base = mkdtempSync(join(tmpdir(), 'ocikit-layers-'));
  return specs.map((entries, i) => {
    const layer = join(base, String(i));
    mkdirSync(layer);
    for (const entry of entries) {
      mkdirSync(dirname(join(layer, entry.split('->')[0]!)), { recursive: true });
      if (entry.endsWith('/')) mkdirSync(join(layer, entry), { recursive: true });
      else if (entry.includes('->')) symlinkSync(entry.split('->')[1]!, join(layer, entry.split('->')[0]!));
      else if (entry.endsWith('!')) execFileSync('mknod', [join(layer, entry.slice(0, -1)), 'c', '0', '0']); // overlay's whiteout
      else writeFileSync(join(layer, entry), '');
    }
    return layer;
  });
}

const DEFAULTS = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/sys', '/sys/fs/cgroup'];

describe('layeredPathsAreDirs', () => {
  it('accepts real dirs merged across layers, and paths no layer has', async () => {
    expect(await layeredPathsAreDirs(layers([], ['dev/', 'sys/fs/'], ['proc/', 'dev/pts/']), DEFAULTS)).toBe(true);
    expect(await layeredPathsAreDirs(layers([], []), DEFAULTS)).toBe(true);
  });

  it('refuses a symlink or a file where a dir must be, in whichever layer is on top', async () => {
    expect(await layeredPathsAreDirs(layers([], ['dev->/tmp'], ['dev/pts/']), DEFAULTS)).toBe(false);
    expect(await layeredPathsAreDirs(layers([], ['dev/'], ['dev/shm->/tmp']), DEFAULTS)).toBe(false);
    expect(await layeredPathsAreDirs(layers(['sys'], ['sys/fs/']), DEFAULTS)).toBe(false);
  });

  it('lets a whiteout hide what is below it, and a non-dir end the merge of dirs below', async () => {
    expect(await layeredPathsAreDirs(layers([], ['dev!'], ['dev->/tmp']), DEFAULTS)).toBe(true);
    // The middle layer's file hides the lower dir's symlinked child.
    expect(await layeredPathsAreDirs(layers(['dev/'], ['dev'], ['dev/pts->/tmp']), ['/dev/pts'])).toBe(true);
    expect(await layeredPathsAreDirs(layers(['dev/'], ['dev/'], ['dev/pts->/tmp']), DEFAULTS)).toBe(false);
  });
});
