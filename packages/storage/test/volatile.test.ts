import { readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStore, createContainer, listContainers, mountContainer, openStore, removeContainer } from '@ocikit/storage';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { ok, tempStore } from './support.js';

const mountLine = (mountPoint: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === mountPoint);

/** Containers removed after use (oci-pod run --rm): no syncs, and a store that stays repairable. */
describe('volatile containers', () => {
  it('mount overlay volatile, are listed and removed like others, and a lost record is repaired away', async () => {
    const fx = await buildFixtures();
    const s = await tempStore();
    try {
      await ok(s.root, ['pull', fx.busybox.ref]);
      const store = await openStore({ root: s.root, driver: 'overlay' });
      const image = fx.busybox.manifestDigest;

      const used = await createContainer(store, image, { volatile: true });
      const { mountPoint } = await mountContainer(store, used.id, { volatile: true });
      expect(mountLine(mountPoint)).toMatch(/ - overlay .*volatile/);
      const kept = await createContainer(store, image);
      const keptMount = (await mountContainer(store, kept.id)).mountPoint;
      expect(mountLine(keptMount)).not.toMatch(/volatile/);
      expect((await listContainers(store)).map((c) => c.id).sort()).toEqual([used.id, kept.id].sort());

      await removeContainer(store, used.id, { force: true });
      expect(mountLine(mountPoint)).toBeUndefined();
      await removeContainer(store, kept.id, { force: true });

      // A power loss may lose a record that was never synced: check --repair removes what is left.
      const lost = await createContainer(store, image, { volatile: true });
      writeFileSync(path.join(s.root, 'containers', lost.id, 'container.json'), '');
      const found = await checkStore(store);
      expect(found.problems).toEqual([expect.objectContaining({ kind: 'container', subject: lost.id })]);
      await checkStore(store, { repair: true });
      expect(await readdir(path.join(s.root, 'containers'))).toEqual([]);
      expect((await checkStore(store)).problems).toEqual([]);
    } finally {
      await s.cleanup();
    }
  });
});
