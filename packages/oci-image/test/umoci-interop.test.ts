import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, linkSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ociTransport, readImage, unpack } from '@ocikit/oci-image';
import { buildFixtures, expectedMultiLayerTree, readTree } from '../../../test/support/fixtures.js';
import { mustRun, ociImage, tempDir } from './support.js';
import { summariseTree, xattrsOfTree } from './layers-support.js';

/** Every kind of entry, owner and mode a layer carries. */
function populateRich(root: string): void {
  const at = (p: string) => join(root, p);
  mkdirSync(at('etc/conf.d'), { recursive: true });
  mkdirSync(at('private'), { mode: 0o700 });
  mkdirSync(at('tmp'));
  chmodSync(at('tmp'), 0o1777);
  writeFileSync(at('etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n');
  writeFileSync(at('etc/conf.d/empty'), '');
  writeFileSync(at('etc/conf.d/random.bin'), randomBytes(2 * 1024 * 1024 + 17));
  writeFileSync(at('su'), 'setuid');
  chmodSync(at('su'), 0o4755);
  writeFileSync(at('sg'), 'setgid');
  chmodSync(at('sg'), 0o2711);
  writeFileSync(at('private/owned'), 'owned');
  chownSync(at('private/owned'), 1000, 1000);
  chmodSync(at('private/owned'), 0o600);
  writeFileSync(at('bigid'), 'big ids');
  chownSync(at('bigid'), 3000000, 4000000);
  symlinkSync('/etc/passwd', at('abs-link'));
  symlinkSync('../etc/passwd', at('private/rel-link'));
  symlinkSync('nowhere/at/all', at('dangling'));
  linkSync(at('su'), at('su-hard'));
  execFileSync('setfattr', ['-n', 'security.capability', '-v', '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=', at('su')]);
  execFileSync('setfattr', ['-n', 'user.binary', '-v', '0sAP+AwyhkAA==', at('etc/passwd')]);
  mkdirSync(at(`deep/${'d'.repeat(90)}`), { recursive: true });
  writeFileSync(at(`deep/${'d'.repeat(90)}/${'f'.repeat(120)}`), 'long');
  writeFileSync(at('ünïcödé'), 'unicode');
  execFileSync('mkfifo', [at('fifo')]);
  execFileSync('mknod', [at('null'), 'c', '1', '3']);
}

/** Changes that make whiteouts: deletions, type changes, a directory replaced. */
function changeRich(root: string): void {
  const at = (p: string) => join(root, p);
  rmSync(at('etc/conf.d/empty'));
  rmSync(at('deep'), { recursive: true });
  rmSync(at('sg'));
  mkdirSync(at('sg'));
  writeFileSync(at('sg/now-a-dir'), 'x');
  rmSync(at('private'), { recursive: true });
  writeFileSync(at('private'), 'now a file');
  rmSync(at('etc/conf.d'), { recursive: true });
  mkdirSync(at('etc/conf.d'));
  writeFileSync(at('etc/conf.d/fresh'), 'fresh');
  writeFileSync(at('etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  chmodSync(at('tmp'), 0o755);
}

function umociUnpack(layout: string, tag: string, bundle: string): Record<string, unknown> {
  mustRun('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  return summariseTree(join(bundle, 'rootfs'));
}

async function ourUnpack(layout: string, tag: string, bundle: string): Promise<Record<string, unknown>> {
  const source = await ociTransport.openSource({ path: layout, ref: tag });
  try {
    await unpack(await readImage(source), bundle, { preserveOwners: true });
  } finally {
    await source.close();
  }
  return summariseTree(join(bundle, 'rootfs'));
}

describe('umoci interop', async () => {
  const base = await tempDir();

  it('our unpack of the multilayer fixture is the hand-written tree and what umoci unpacks', async () => {
    const fx = await buildFixtures();
    const ours = join(base, 'fx-ours');
    const theirs = join(base, 'fx-umoci');
    const tree = await ourUnpack(fx.multilayer.layout, fx.multilayer.tag, ours);
    expect(readTree(join(ours, 'rootfs'))).toEqual(await expectedMultiLayerTree());
    expect(tree).toEqual(umociUnpack(fx.multilayer.layout, fx.multilayer.tag, theirs));
    const busyOurs = await ourUnpack(fx.busybox.layout, fx.busybox.tag, join(base, 'bb-ours'));
    expect(busyOurs).toEqual(umociUnpack(fx.busybox.layout, fx.busybox.tag, join(base, 'bb-umoci')));
  });

  it('unpacks images made by umoci (with whiteouts) to the tree umoci unpacks', async () => {
    const layout = join(base, 'umoci-made');
    mustRun('umoci', ['init', '--layout', layout]);
    mustRun('umoci', ['new', '--image', `${layout}:t`]);
    const work = join(base, 'umoci-work');
    mustRun('umoci', ['unpack', '--image', `${layout}:t`, work]);
    populateRich(join(work, 'rootfs'));
    mustRun('umoci', ['repack', '--image', `${layout}:t`, work]);
    changeRich(join(work, 'rootfs'));
    mustRun('umoci', ['repack', '--image', `${layout}:t`, work]);
    const theirs = umociUnpack(layout, 't', join(base, 'umoci-made-umoci'));
    const ours = await ourUnpack(layout, 't', join(base, 'umoci-made-ours'));
    expect(ours).toEqual(theirs);
    expect(ours).toEqual(summariseTree(join(work, 'rootfs')));
    const xattrs = xattrsOfTree(join(base, 'umoci-made-ours', 'rootfs'));
    expect(xattrs['su']).toEqual({ 'security.capability': '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=' });
    expect(xattrs).toEqual(xattrsOfTree(join(base, 'umoci-made-umoci', 'rootfs')));
  });

  it('umoci unpacks images we made (layer add, unpack, repack with whiteouts) to the tree we unpack', async () => {
    const layout = join(base, 'ours-made');
    mustRun('umoci', ['init', '--layout', layout]);
    mustRun('umoci', ['new', '--image', `${layout}:first`]);
    const src = join(base, 'ours-src');
    mkdirSync(src);
    populateRich(src);
    const added = ociImage('layer', 'add', `oci:${layout}:first`, src, '--timestamp', '2020-01-01T00:00:00Z');
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout.trim()).toMatch(new RegExp(`^oci:${layout}:first@sha256:[a-f0-9]{64}$`));
    const bundle = join(base, 'ours-bundle');
    const unpacked = ociImage('unpack', `oci:${layout}:first`, bundle);
    expect(unpacked.status, unpacked.stderr).toBe(0);
    expect(summariseTree(join(bundle, 'rootfs'))).toEqual(summariseTree(src));
    changeRich(join(bundle, 'rootfs'));
    const repacked = ociImage('repack', bundle, `oci:${layout}:second`);
    expect(repacked.status, repacked.stderr).toBe(0);
    expect(repacked.stdout.trim()).toMatch(/^oci:.*:second@sha256:[a-f0-9]{64}$/);
    const theirs = umociUnpack(layout, 'second', join(base, 'ours-made-umoci'));
    expect(theirs).toEqual(summariseTree(join(bundle, 'rootfs')));
    expect(await ourUnpack(layout, 'second', join(base, 'ours-made-ours'))).toEqual(theirs);
    const xattrs = xattrsOfTree(join(base, 'ours-made-umoci', 'rootfs'));
    expect(xattrs['etc/passwd']).toEqual({ 'user.binary': '0sAP+AwyhkAA==' });
    expect(xattrs).toEqual(xattrsOfTree(join(base, 'ours-made-ours', 'rootfs')));
    // A second repack after more changes builds on the first one.
    writeFileSync(join(bundle, 'rootfs/third'), 'third');
    const again = ociImage('repack', bundle, `oci:${layout}:third`, '--format', 'json');
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 1, deleted: 0 });
    expect(umociUnpack(layout, 'third', join(base, 'ours-t3-umoci'))).toEqual(summariseTree(join(bundle, 'rootfs')));
    // skopeo reads and verifies every blob; oci-image-tool (which needs a one-ref layout) checks the result.
    const single = join(base, 'ours-third-single');
    mustRun('skopeo', ['copy', `oci:${layout}:third`, `oci:${single}:third`]);
    expect(mustRun('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=third', single])).toMatch(/Validation succeeded/);
    const history = JSON.parse(mustRun('umoci', ['stat', '--image', `${layout}:third`, '--json'])).history;
    expect(history.map((h: { created_by?: string }) => h.created_by)).toEqual(expect.arrayContaining(['oci-image repack']));
  });

  it('unpacks images made by buildah and re-compressed by skopeo (zstd) like umoci does', async () => {
    const ctx = join(base, 'buildah-ctx');
    mkdirSync(ctx);
    populateRich(ctx);
    rmSync(join(ctx, 'fifo'));
    rmSync(join(ctx, 'null'));
    const b = ['--root', join(base, 'broot'), '--runroot', join(base, 'brun'), '--storage-driver', 'vfs'];
    const container = mustRun('buildah', [...b, 'from', 'scratch']).trim();
    mustRun('buildah', [...b, 'copy', container, ctx, '/']);
    const layout = join(base, 'buildah-made');
    mustRun('buildah', [...b, 'commit', '-q', container, `oci:${layout}:b`]);
    mustRun('buildah', [...b, 'rm', container]);
    const theirs = umociUnpack(layout, 'b', join(base, 'buildah-umoci'));
    expect(await ourUnpack(layout, 'b', join(base, 'buildah-ours'))).toEqual(theirs);

    const zstdLayout = join(base, 'skopeo-zstd');
    mustRun('skopeo', ['copy', '--dest-compress-format', 'zstd', `oci:${layout}:b`, `oci:${zstdLayout}:z`]);
    const index = JSON.parse(readFileSync(join(zstdLayout, 'index.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(zstdLayout, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
    expect(manifest.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    expect(await ourUnpack(zstdLayout, 'z', join(base, 'skopeo-ours'))).toEqual(theirs);
  });
});
