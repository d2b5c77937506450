import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, copyLayout, expectedMultiLayerTree, readTree, type Fixtures } from '../../../test/support/fixtures.js';
import { readMountInfo } from '../src/overlay.js';
import { ok, storageCli, tempStore } from './support.js';

let fx: Fixtures;
const stores: Array<Awaited<ReturnType<typeof tempStore>>> = [];

beforeAll(async () => {
  fx = await buildFixtures();
});
afterAll(async () => {
  for (const s of stores) await s.cleanup();
});

async function freshStore(): Promise<string> {
  const s = await tempStore();
  stores.push(s);
  return s.root;
}

const mounted = async (mountPoint: string) => (await readMountInfo()).some((m) => m.mountPoint === mountPoint);
const blobFile = (root: string, digest: string) => path.join(root, 'images', 'blobs', 'sha256', digest.slice('sha256:'.length));
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('create --mount', () => {
  it('creates and mounts in one process from an oci: layout, storing each layer blob from the same read', async () => {
    const root = await freshStore();
    const [id, mountPoint, ...rest] = (await ok(root, ['--driver', 'overlay', 'create', '--mount', fx.multilayer.ref])).split('\n');
    expect(rest).toEqual([]);
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    expect(mountPoint).toBe(path.join(root, 'containers', id as string, 'merged'));
    expect(await mounted(mountPoint as string)).toBe(true);
    expect(readTree(mountPoint as string)).toEqual(await expectedMultiLayerTree());

    // Every layer blob is in the store, byte for byte what its digest names.
    for (const layer of fx.multilayer.layers) expect(sha256(readFileSync(blobFile(root, layer.digest)))).toBe(layer.digest);
    expect(await ok(root, ['check'])).toBe('ok');

    // Counted like `mount ID`: one user, and umount unmounts.
    const listed = JSON.parse(await ok(root, ['containers', '--format', 'json'])) as Array<{ id: string; mounts: number }>;
    expect(listed.map((c) => [c.id, c.mounts])).toEqual([[id, 1]]);
    await ok(root, ['umount', id as string]);
    expect(await mounted(mountPoint as string)).toBe(false);

    // A second one from the same layers; JSON gives the record with the mount point and count.
    const second = JSON.parse(await ok(root, ['create', '--mount', '--format', 'json', '--name', 'two', fx.multilayer.ref])) as Record<string, unknown>;
    expect(second).toMatchObject({ name: 'two', driver: 'overlay', mounts: 1, imageDigest: fx.multilayer.manifestDigest });
    expect(second.mountPoint).toBe(path.join(root, 'containers', second.id as string, 'merged'));
    expect(readTree(second.mountPoint as string)).toEqual(await expectedMultiLayerTree());
    await ok(root, ['rm', '--force', second.id as string]);
    expect(await mounted(second.mountPoint as string)).toBe(false);
  });

  it('imports and unpacks in one pass for the copy driver too (each layer over a copy of its parent)', async () => {
    const root = await freshStore();
    const [id, mountPoint] = (await ok(root, ['--driver', 'vfs', 'create', '--mount', fx.multilayer.ref])).split('\n');
    expect(mountPoint).toBe(path.join(root, 'containers', id as string, 'rootfs'));
    expect(readTree(mountPoint as string)).toEqual(await expectedMultiLayerTree());
    for (const layer of fx.multilayer.layers) expect(sha256(readFileSync(blobFile(root, layer.digest)))).toBe(layer.digest);
    expect(await ok(root, ['check'])).toBe('ok');
  });

  it('keeps neither the blob nor the layer of a layer whose bytes do not match its digest', async () => {
    const layout = await copyLayout(fx.multilayer.layout);
    // Change the gzip header's time field: the layer still decompresses to the same tar, but its digest is wrong.
    const bad = fx.multilayer.layers.find((l) => readFileSync(path.join(layout, 'blobs', 'sha256', l.digest.slice(7))).subarray(0, 2).equals(Buffer.from([0x1f, 0x8b])));
    expect(bad).toBeDefined();
    const file = path.join(layout, 'blobs', 'sha256', (bad as { digest: string }).digest.slice(7));
    const bytes = readFileSync(file);
    bytes.writeUInt32LE(bytes.readUInt32LE(4) ^ 0x5a5a5a5a, 4);
    writeFileSync(file, bytes);

    const root = await freshStore();
    const result = await storageCli(root, ['--driver', 'overlay', 'create', '--mount', `oci:${layout}:${fx.multilayer.tag}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ERR_OCI_DIGEST_MISMATCH|digest/i);
    expect(existsSync(blobFile(root, (bad as { digest: string }).digest))).toBe(false);
    const layers = JSON.parse(await ok(root, ['layers', '--format', 'json'])) as Array<{ digest?: string; complete: boolean }>;
    expect(layers.some((l) => l.digest === (bad as { digest: string }).digest)).toBe(false);
    expect(layers.every((l) => l.complete)).toBe(true);
    expect(JSON.parse(await ok(root, ['containers', '--format', 'json']))).toEqual([]);
    expect(readdirSync(path.join(root, 'containers')).filter((n) => !n.startsWith('.'))).toEqual([]);
    expect(await ok(root, ['check'])).toBe('ok');
  });
});
