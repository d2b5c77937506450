import { describe, expect, it } from 'vitest';
import { cleanPath, newRoot, resolvePath, type FsNode } from './fs-tree.js';

function add(root: FsNode, path: string, node: Partial<FsNode>): void {
  const parts = path.split('/');
  let dir = root;
  for (const part of parts.slice(0, -1)) dir = dir.children?.get(part) as FsNode;
  const name = parts.at(-1) as string;
  dir.children?.set(name, { name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, layer: 0, ...node });
}

describe('fs-tree', () => {
  it('cleans tar names and clamps .. at the root', () => {
    expect(cleanPath('./etc//passwd/')).toBe('etc/passwd');
    expect(cleanPath('/../../etc/shadow')).toBe('etc/shadow');
    expect(cleanPath('a/b/../c')).toBe('a/c');
    expect(cleanPath('./')).toBe('');
  });

  it('resolves symlinks inside the image root, relative and absolute, and stops loops', () => {
    const root = newRoot();
    add(root, 'usr', { type: 'dir', children: new Map() });
    add(root, 'usr/bin', { type: 'dir', children: new Map() });
    add(root, 'usr/bin/tool', { size: 3 });
    add(root, 'bin', { type: 'symlink', linkname: 'usr/bin' });
    add(root, 'abs', { type: 'symlink', linkname: '/usr/bin/tool' });
    add(root, 'escape', { type: 'symlink', linkname: '../../../usr/bin/tool' });
    add(root, 'loop', { type: 'symlink', linkname: 'loop' });
    expect(resolvePath(root, '/bin/tool')?.path).toBe('usr/bin/tool');
    expect(resolvePath(root, 'abs')?.path).toBe('usr/bin/tool');
    expect(resolvePath(root, 'escape')?.path).toBe('usr/bin/tool');
    expect(resolvePath(root, 'bin', false)?.node.type).toBe('symlink');
    expect(resolvePath(root, 'loop')).toBeUndefined();
    expect(resolvePath(root, 'usr/nothing')).toBeUndefined();
  });
});
