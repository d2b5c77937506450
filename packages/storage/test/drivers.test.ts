import { mkdirSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, expectedMultiLayerTree, readTree, type Fixtures } from '../../../test/support/fixtures.js';
import { readMountInfo } from '../src/overlay.js';
import { ok, run, storageCli, tempStore } from './support.js';

let fx: Fixtures;
let store: Awaited<ReturnType<typeof tempStore>>;

beforeAll(async () => {
  fx = await buildFixtures();
  store = await tempStore();
  await ok(store.root, ['pull', fx.multilayer.ref, 'multi']);
});
afterAll(async () => store?.cleanup());

const mounted = async (mountPoint: string) => (await readMountInfo()).some((m) => m.mountPoint === mountPoint);

/** Write, delete, change and replace a dir, the same way in each driver. */
function modify(mp: string): void {
  writeFileSync(path.join(mp, 'a', 'new.txt'), 'new\n', { mode: 0o644 });
  rmSync(path.join(mp, 'etc', 'hostname'));
  appendFileSync(path.join(mp, 'bin', 'tool.sh'), 'echo changed\n');
  rmSync(path.join(mp, 'deep'), { recursive: true });
  mkdirSync(path.join(mp, 'deep'), { mode: 0o755 });
  writeFileSync(path.join(mp, 'deep', 'x'), 'x\n', { mode: 0o644 });
}

const EXPECTED_DIFF = ['C /a', 'A /a/new.txt', 'C /bin', 'C /bin/tool.sh', 'C /deep', 'A /deep/x', 'D /deep/nested', 'C /etc', 'D /etc/hostname'];

describe.each(['overlay', 'vfs'] as const)('%s driver', (driver) => {
  it('creates, mounts, diffs and commits a container whose image umoci unpacks to the same tree', async () => {
    const id = await ok(store.root, ['create', '--driver', driver, 'multi']);
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    const mp = await ok(store.root, ['mount', id]);
    if (driver === 'overlay') {
      expect(await mounted(mp)).toBe(true);
      expect((await readMountInfo()).find((m) => m.mountPoint === mp)?.fsType).toBe('overlay');
    }
    expect(readTree(mp)).toEqual(await expectedMultiLayerTree());

    modify(mp);
    expect((await ok(store.root, ['diff', id])).split('\n')).toEqual(EXPECTED_DIFF);
    const asJson = JSON.parse(await ok(store.root, ['diff', id, '--format', 'json'])) as Array<{ kind: string; path: string }>;
    expect(asJson.map((c) => `${c.kind} ${c.path}`)).toEqual(EXPECTED_DIFF);

    const out = await mkdtemp(path.join(os.tmpdir(), 'ocikit-commit-'));
    const ref = await ok(store.root, ['commit', id, `oci:${out}/layout:v1`]);
    expect(ref).toMatch(new RegExp(`^oci:${out}/layout:v1@sha256:[a-f0-9]{64}$`));
    const bundle = path.join(out, 'bundle');
    const unpacked = await run('umoci', ['unpack', '--image', `${out}/layout:v1`, bundle]);
    expect(unpacked.code, unpacked.stderr).toBe(0);
    expect(unpacked.stderr).not.toContain('xattr');
    const containerTree = readTree(mp);
    expect(readTree(path.join(bundle, 'rootfs'))).toEqual(containerTree);
    expect(containerTree.some((e) => e.path === 'etc/hostname' || e.path.startsWith('deep/nested'))).toBe(false);

    // With a fixed timestamp the commit is reproducible.
    const fixed = await Promise.all([1, 2].map(() => ok(store.root, ['commit', '--timestamp', '0', id, `oci:${out}/fixed:v1`])));
    expect(fixed[0]?.split('@')[1]).toBe(fixed[1]?.split('@')[1]);

    // Into the store by name, then a container of the committed image has the same tree.
    const stored = await ok(store.root, ['commit', id, `committed-${driver}:v1`]);
    expect(stored).toMatch(new RegExp(`^storage:committed-${driver}:v1@sha256:`));
    const second = await ok(store.root, ['create', '--driver', driver, `committed-${driver}:v1`]);
    const mp2 = await ok(store.root, ['mount', second]);
    expect(readTree(mp2)).toEqual(containerTree);
    expect(await ok(store.root, ['diff', second])).toBe('');
    await ok(store.root, ['umount', second]);
    await ok(store.root, ['rm', second]);
    rmSync(out, { recursive: true, force: true });

    // Mounts are counted: a second user shares the mount, the last one unmounts.
    expect(await ok(store.root, ['mount', id])).toBe(mp);
    await ok(store.root, ['umount', id]);
    if (driver === 'overlay') expect(await mounted(mp)).toBe(true);
    const refused = await storageCli(store.root, ['rm', id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('ERR_STORAGE_MOUNTED');
    await ok(store.root, ['umount', id]);
    if (driver === 'overlay') expect(await mounted(mp)).toBe(false);
    expect(await ok(store.root, ['rm', id])).toBe(id);
    expect(existsSync(path.dirname(mp))).toBe(false);
    expect(await ok(store.root, ['check'])).toBe('ok');
  });
});

describe('store commands', () => {
  it('lists, tags, removes images and garbage-collects what nothing uses', async () => {
    const s = await tempStore();
    try {
      await ok(s.root, ['pull', fx.busybox.ref, 'bb']);
      await ok(s.root, ['pull', fx.multilayer.ref, 'localhost/multi:1']);
      await ok(s.root, ['tag', 'bb', 'example.com/bb:2']);
      const images = JSON.parse(await ok(s.root, ['images', '--format', 'json'])) as Array<{ names: string[]; digest: string }>;
      expect(images.map((i) => i.names.sort())).toEqual([['bb:latest', 'example.com/bb:2'], ['localhost/multi:1']]);
      expect(images[0]?.digest).toBe(fx.busybox.manifestDigest);

      const id = await ok(s.root, ['create', 'multi:1', '--name', 'keep']);
      const inUse = await storageCli(s.root, ['rmi', 'multi:1']);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toContain('ERR_STORAGE_IMAGE_IN_USE');
      expect(await ok(s.root, ['rmi', 'bb'])).toBe('Untagged: bb:latest');
      expect(await ok(s.root, ['rmi', 'example.com/bb:2'])).toContain(`Deleted: ${fx.busybox.manifestDigest}`);
      await ok(s.root, ['rmi', '--force', 'multi:1']);

      // The container keeps its image's blobs and layers; the busybox ones go.
      const pruned = JSON.parse(await ok(s.root, ['prune', '--format', 'json'])) as { removedBlobs: number; removedLayers: number };
      expect(pruned.removedBlobs).toBe(fx.busybox.layers.length + 2);
      expect(pruned.removedLayers).toBe(0);
      const mp = await ok(s.root, ['mount', 'keep']);
      expect(readTree(mp)).toEqual(await expectedMultiLayerTree());
      await ok(s.root, ['rm', '--force', id]);
      const second = JSON.parse(await ok(s.root, ['prune', '--format', 'json'])) as { removedBlobs: number; removedLayers: number };
      expect(second.removedLayers).toBe(fx.multilayer.layers.length);
      expect(second.removedBlobs).toBe(fx.multilayer.layers.length + 2);
      expect(JSON.parse(await ok(s.root, ['layers', '--format', 'json']))).toEqual([]);
      expect(await ok(s.root, ['check'])).toBe('ok');
      const info = JSON.parse(await ok(s.root, ['info', '--format', 'json'])) as { images: number; containers: number; overlaySupported: boolean };
      expect(info).toMatchObject({ images: 0, containers: 0, overlaySupported: true });
    } finally {
      await s.cleanup();
    }
  });

  it('exports a container as a tar and reports errors in one line', async () => {
    const s = await tempStore();
    try {
      const id = await ok(s.root, ['create', fx.busybox.ref]);
      const tarFile = path.join(s.root, 'export.tar');
      await ok(s.root, ['export', id, '-o', tarFile]);
      const listing = await run('tar', ['-tf', tarFile]);
      expect(listing.stdout.split('\n')).toContain('bin/busybox');
      const missing = await storageCli(s.root, ['mount', 'nope']);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
      expect(missing.stderr).toContain('ERR_STORAGE_CONTAINER_UNKNOWN');
      const usage = await storageCli(s.root, ['create']);
      expect(usage.code).toBe(2);
    } finally {
      await s.cleanup();
    }
  });
});
