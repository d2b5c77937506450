import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTree } from './remove-tree.js';

describe('removeTree', () => {
  it('removes a tree with files, empty and mode-000 dirs, and symlinks without following them', async () => {
    const base = mkdtempSync(join(tmpdir(), 'ocikit-rmtree-'));
    const outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'k');
    const tree = join(base, 'tree');
    mkdirSync(join(tree, 'upper', 'dev', 'pts'), { recursive: true });
    mkdirSync(join(tree, 'work', 'work'), { recursive: true, mode: 0 });
    writeFileSync(join(tree, 'upper', 'file'), 'x');
    symlinkSync(outside, join(tree, 'link-to-dir'));
    symlinkSync(join(base, 'nowhere'), join(tree, 'dangling'));
    await removeTree(tree);
    expect(existsSync(tree)).toBe(false);
    expect(readdirSync(outside)).toEqual(['keep']);
    await removeTree(tree); // gone already: nothing to do
    writeFileSync(join(base, 'plain'), 'p');
    await removeTree(join(base, 'plain'));
    expect(existsSync(join(base, 'plain'))).toBe(false);
  });
});
