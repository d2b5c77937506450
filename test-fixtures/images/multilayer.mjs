// (b) a multi-layer image exercising every layer-merge rule, and the merged
// tree it must produce, written out by hand (not computed) so it is an oracle.
import { createLayout, hostPlatform, putImage, putLayer, taggedImage, writeIndexJson } from '../lib/layout.mjs';

/** A single path component over 100 bytes: only a PAX header can carry it. */
export const LONG_NAME = `long-file-name-${'x'.repeat(100)}.txt`;
export const LONG_PATH = `deep/nested/${LONG_NAME}`;

/** The four layers, bottom first; the second is an empty tar. */
export function multiLayerSpecs() {
  const base = [
    { path: 'a', type: 'dir' },
    { path: 'a/keep.txt', type: 'file', content: 'keep\n' },
    { path: 'a/remove-me.txt', type: 'file', content: 'remove me\n' },
    { path: 'bin', type: 'dir' },
    { path: 'bin/tool.sh', type: 'file', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
    { path: 'data', type: 'dir' },
    { path: 'data/file.txt', type: 'file', content: 'shared by a hard link\n' },
    { path: 'data/link-to-file.txt', type: 'link', target: 'data/file.txt' },
    { path: 'deep', type: 'dir' },
    { path: 'deep/nested', type: 'dir' },
    { path: LONG_PATH, type: 'file', content: 'long path\n' },
    { path: 'dir-to-file', type: 'dir' },
    { path: 'dir-to-file/inner.txt', type: 'file', content: 'inner\n' },
    { path: 'etc', type: 'dir' },
    { path: 'etc/hostname', type: 'file', content: 'fixture\n' },
    { path: 'etc/owned-by-1000', type: 'file', content: 'uid 1000\n', uid: 1000, gid: 1000 },
    { path: 'file-to-dir', type: 'file', content: 'i was a file\n' },
    { path: 'gone-dir', type: 'dir' },
    { path: 'gone-dir/old.txt', type: 'file', content: 'old\n' },
    { path: 'links', type: 'dir' },
    { path: 'links/absolute', type: 'symlink', target: '/etc/hostname' },
    { path: 'links/relative', type: 'symlink', target: '../etc/hostname' },
    { path: 'opq', type: 'dir' },
    { path: 'opq/old1.txt', type: 'file', content: 'old1\n' },
    { path: 'opq/sub', type: 'dir' },
    { path: 'opq/sub/old2.txt', type: 'file', content: 'old2\n' },
  ];
  const empty = [];
  const changes = [
    { path: '.wh.gone-dir', type: 'file', content: '' },
    { path: 'a', type: 'dir' },
    { path: 'a/.wh.remove-me.txt', type: 'file', content: '' },
    { path: 'data', type: 'dir' },
    { path: 'data/new-file.txt', type: 'file', content: 'second\n' },
    { path: 'data/new-link.txt', type: 'link', target: 'data/new-file.txt' },
    { path: 'dir-to-file', type: 'file', content: 'now a file\n' },
    { path: 'file-to-dir', type: 'dir' },
    { path: 'file-to-dir/child.txt', type: 'file', content: 'child\n' },
    { path: 'links', type: 'dir' },
    { path: 'links/relative', type: 'symlink', target: '../a/keep.txt' },
    { path: 'opq', type: 'dir', mode: 0o750 },
    { path: 'opq/.wh..wh..opq', type: 'file', content: '' },
    { path: 'opq/new.txt', type: 'file', content: 'new\n' },
  ];
  const recreate = [
    { path: 'etc', type: 'dir' },
    { path: 'etc/hostname', type: 'file', content: 'fixture-v2\n' },
    { path: 'gone-dir', type: 'dir' },
    { path: 'gone-dir/again.txt', type: 'file', content: 'again\n' },
  ];
  return [base, empty, changes, recreate];
}

/**
 * The file tree after applying all layers, sorted by path (no leading slash).
 * Files that share an inode carry the same hardLinkGroup.
 */
export function expectedMultiLayerTree() {
  const dir = (path, mode = 0o755) => ({ path, type: 'dir', mode, uid: 0, gid: 0 });
  const file = (path, content, extra = {}) => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, content, ...extra });
  const symlink = (path, target) => ({ path, type: 'symlink', uid: 0, gid: 0, target });
  return [
    dir('a'),
    file('a/keep.txt', 'keep\n'),
    dir('bin'),
    file('bin/tool.sh', '#!/bin/sh\necho tool\n', { mode: 0o755 }),
    dir('data'),
    file('data/file.txt', 'shared by a hard link\n', { hardLinkGroup: 'data/file.txt' }),
    file('data/link-to-file.txt', 'shared by a hard link\n', { hardLinkGroup: 'data/file.txt' }),
    file('data/new-file.txt', 'second\n', { hardLinkGroup: 'data/new-file.txt' }),
    file('data/new-link.txt', 'second\n', { hardLinkGroup: 'data/new-file.txt' }),
    dir('deep'),
    dir('deep/nested'),
    file(LONG_PATH, 'long path\n'),
    file('dir-to-file', 'now a file\n'),
    dir('etc'),
    file('etc/hostname', 'fixture-v2\n'),
    file('etc/owned-by-1000', 'uid 1000\n', { uid: 1000, gid: 1000 }),
    dir('file-to-dir'),
    file('file-to-dir/child.txt', 'child\n'),
    dir('gone-dir'),
    file('gone-dir/again.txt', 'again\n'),
    dir('links'),
    symlink('links/absolute', '/etc/hostname'),
    symlink('links/relative', '../a/keep.txt'),
    dir('opq', 0o750),
    file('opq/new.txt', 'new\n'),
  ];
}

export async function buildMultiLayer(dir, { tag = 'latest' } = {}) {
  await createLayout(dir);
  const [base, empty, changes, recreate] = multiLayerSpecs();
  const layers = [];
  for (const specs of [base, empty, changes, recreate]) layers.push(await putLayer(dir, specs));
  const image = await putImage(dir, {
    platform: hostPlatform(),
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'FIXTURE=multilayer'],
      Cmd: ['/bin/tool.sh'],
      WorkingDir: '/data',
      Labels: { 'org.ocikit.fixture': 'multilayer' },
    },
    layers,
    history: [
      { created_by: 'fixture: base files, hard link, symlinks, long PAX path' },
      { created_by: 'fixture: empty layer' },
      { created_by: 'ENV FIXTURE=multilayer', empty_layer: true },
      { created_by: 'fixture: whiteouts, opaque dir, file<->dir replacements' },
      { created_by: 'fixture: recreate a whited-out dir, modify a file' },
    ],
  });
  await writeIndexJson(dir, [{ tag, descriptor: image.descriptor }]);
  return taggedImage(dir, tag, image, layers);
}
