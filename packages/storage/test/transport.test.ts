import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copy, localTransports, parseReference, readArtifact } from '@ocikit/oci-image';
import { writeFileSync } from 'node:fs';
import { commitContainer, containersOfImage, createContainer, listImages, mountContainer, openStore, openStoreImage, resolveImage, storageTransport, StoreDestination, unmountContainer } from '@ocikit/storage';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { run, tempStore } from './support.js';

async function copyRef(from: string, to: string, transports: Parameters<typeof parseReference>[1]) {
  const src = parseReference(from, transports);
  const dst = parseReference(to, transports);
  const source = await src.transport.openSource(src.value);
  try {
    return await copy(await readArtifact(source), await dst.transport.openDestination(dst.value));
  } finally {
    await source.close();
  }
}

describe('storage: transport', () => {
  it('copies oci: -> storage: -> oci: keeping digests, and skopeo reads the result', async () => {
    const fx = await buildFixtures();
    const s = await tempStore();
    const out = await mkdtemp(path.join(os.tmpdir(), 'ocikit-transport-'));
    try {
      const transports = [...localTransports, storageTransport({ root: s.root })];
      const inStore = await copyRef(fx.multilayer.ref, 'storage:example.com/multi:v1', transports);
      expect(inStore.reference).toBe(`storage:example.com/multi:v1@${fx.multilayer.manifestDigest}`);
      // Again: every blob is already there.
      const again = await copyRef(fx.multilayer.ref, 'storage:example.com/multi:v1', transports);
      expect(again.blobsCopied).toBe(0);

      const back = await copyRef('storage:example.com/multi:v1', `oci:${out}/layout:back`, transports);
      expect(back.digest).toBe(fx.multilayer.manifestDigest);
      const byDigest = await copyRef(`storage:example.com/multi@${fx.multilayer.manifestDigest}`, `oci:${out}/layout:by-digest`, transports);
      expect(byDigest.digest).toBe(fx.multilayer.manifestDigest);
      const inspected = await run('skopeo', ['inspect', '--raw', `oci:${out}/layout:back`]);
      expect(inspected.code, inspected.stderr).toBe(0);

      // An explicit store in the reference, with its driver, wins over the default one.
      const other = path.join(s.root, 'other');
      await copyRef(fx.busybox.ref, `storage:[vfs@${other}]bb`, transports);
      const otherStore = await openStore({ root: other });
      expect(otherStore.driver).toBe('vfs');
      expect((await listImages(otherStore)).map((i) => i.names)).toEqual([['bb:latest']]);

      // Short names and ids find the image.
      const store = await openStore({ root: s.root });
      const c = await createContainer(store, fx.multilayer.manifestDigest.slice(7, 19));
      expect(await containersOfImage(store, fx.multilayer.manifestDigest)).toEqual([c.id]);
      // Commit through the library, changing the config as a build tool would.
      const { mountPoint } = await mountContainer(store, c.id);
      writeFileSync(path.join(mountPoint, 'built.txt'), 'built');
      const committed = await commitContainer(store, c.id, new StoreDestination(store, 'built:1', 'storage:built:1'), {
        message: 'add built.txt',
        configure: (config) => ({ ...config, config: { ...config.config, Cmd: ['/bin/tool.sh'] } }),
      });
      await unmountContainer(store, c.id);
      const built = await openStoreImage(store, (await resolveImage(store, 'built:1')).descriptor);
      expect(await built.digest()).toBe(committed.digest);
      const config = await built.config();
      expect(config.config?.Cmd).toEqual(['/bin/tool.sh']);
      expect(config.history?.at(-1)).toMatchObject({ comment: 'add built.txt', created_by: 'oci-storage commit' });
      expect(config.rootfs.diff_ids).toHaveLength(fx.multilayer.layers.length + 1);
      expect(committed.changes.map((ch) => `${ch.kind} ${ch.path}`)).toEqual(['A built.txt']);

      await expect(copyRef('storage:nothing-here', `oci:${out}/x:y`, transports)).rejects.toThrow(/not in the store/);
    } finally {
      await rm(out, { recursive: true, force: true });
      await s.cleanup();
    }
  });
});
