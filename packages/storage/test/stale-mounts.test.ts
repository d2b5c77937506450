import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { readMountInfo } from '../src/overlay.js';
import { ok, run, storageCli, tempStore } from './support.js';

const mounted = async (mountPoint: string) => (await readMountInfo()).some((m) => m.mountPoint === mountPoint);

describe('stale mounts', () => {
  it('finds a mount nobody counts and a count with no mount, and repairs both', async () => {
    const fx = await buildFixtures();
    const s = await tempStore();
    try {
      const a = await ok(s.root, ['create', '--driver', 'overlay', fx.busybox.ref]);
      const b = await ok(s.root, ['create', '--driver', 'overlay', fx.busybox.ref]);
      const mpA = await ok(s.root, ['mount', a]);
      const mpB = await ok(s.root, ['mount', b]);
      // A process died after mounting but before counting (its count is lost) ...
      rmSync(path.join(s.root, 'run', 'mounts', `${a}.json`));
      // ... and someone unmounted b behind the store's back.
      expect((await run('umount', [mpB])).code).toBe(0);

      const found = await storageCli(s.root, ['check', '--format', 'json']);
      expect(found.code).toBe(1);
      const problems = (JSON.parse(found.stdout) as { problems: Array<{ kind: string; subject: string }> }).problems;
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'mount', subject: mpA }),
          expect.objectContaining({ kind: 'mount', subject: b }),
        ]),
      );
      expect(await mounted(mpA)).toBe(true);
      const repaired = await storageCli(s.root, ['check', '--repair']);
      expect(repaired.code, repaired.stdout).toBe(0);
      expect(await mounted(mpA)).toBe(false);
      expect(await ok(s.root, ['check'])).toBe('ok');

      // Mounting again works from a clean count.
      expect(await ok(s.root, ['mount', b])).toBe(mpB);
      expect(await mounted(mpB)).toBe(true);
      await ok(s.root, ['umount', b]);
      expect(await mounted(mpB)).toBe(false);
    } finally {
      await s.cleanup();
    }
  });
});
