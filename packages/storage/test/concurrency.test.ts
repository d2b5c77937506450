import { describe, expect, it } from 'vitest';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { ok, startCli, tempStore } from './support.js';

function finish(child: ReturnType<typeof startCli>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

describe('concurrency', () => {
  it('8 processes pulling and creating from the same images leave a consistent store, each layer unpacked once', async () => {
    const fx = await buildFixtures();
    const s = await tempStore();
    try {
      const images = [fx.multilayer, fx.busybox];
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const image = images[i % 2] as (typeof images)[number];
          const driver = i % 4 < 2 ? 'overlay' : 'vfs';
          return finish(startCli(s.root, ['create', '--debug', '--driver', driver, image.ref]));
        }),
      );
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      const ids = runs.map((r) => r.stdout.trim());
      expect(new Set(ids).size).toBe(8);

      // Every (driver, chain ID) was unpacked by exactly one process.
      const unpacked = runs.flatMap((r) => r.stderr.split('\n').filter((l) => l.startsWith('debug: unpacked layer')));
      expect(new Set(unpacked).size).toBe(unpacked.length);
      const perDriver = (fx.multilayer.layers.length + fx.busybox.layers.length) * 2;
      expect(unpacked).toHaveLength(perDriver);

      const layers = JSON.parse(await ok(s.root, ['layers', '--format', 'json'])) as Array<{ complete: boolean }>;
      expect(layers).toHaveLength(perDriver);
      expect(layers.every((l) => l.complete)).toBe(true);
      const containers = JSON.parse(await ok(s.root, ['containers', '--format', 'json'])) as Array<{ id: string; name: string }>;
      expect(containers.map((c) => c.id).sort()).toEqual([...ids].sort());
      expect(new Set(containers.map((c) => c.name)).size).toBe(8);
      const stored = JSON.parse(await ok(s.root, ['images', '--format', 'json'])) as Array<{ digest: string }>;
      expect(stored.map((i) => i.digest).sort()).toEqual([fx.multilayer.manifestDigest, fx.busybox.manifestDigest].sort());
      expect(await ok(s.root, ['check'])).toBe('ok');

      // And 8 at once mounting one container share one mount.
      const target = ids[0] as string;
      const mounts = await Promise.all(Array.from({ length: 8 }, () => finish(startCli(s.root, ['mount', target]))));
      expect(mounts.map((m) => m.stderr.split('\n').filter((l) => l && !l.startsWith('debug:')).join('\n'))).toEqual(Array(8).fill(''));
      expect(new Set(mounts.map((m) => m.stdout.trim())).size).toBe(1);
      const listed = JSON.parse(await ok(s.root, ['containers', '--format', 'json'])) as Array<{ id: string; mounts: number }>;
      expect(listed.find((c) => c.id === target)?.mounts).toBe(8);
      await Promise.all(Array.from({ length: 8 }, () => finish(startCli(s.root, ['umount', target]))));
      expect(await ok(s.root, ['check'])).toBe('ok');
    } finally {
      await s.cleanup();
    }
  });

  it('prune running beside pulls and creates never takes what they are about to name', async () => {
    const fx = await buildFixtures();
    const s = await tempStore();
    try {
      for (let round = 0; round < 2; round++) {
        const runs = await Promise.all([
          finish(startCli(s.root, ['pull', fx.multilayer.ref, `m${round}`])),
          finish(startCli(s.root, ['prune'])),
          finish(startCli(s.root, ['create', '--driver', 'overlay', fx.busybox.ref])),
          finish(startCli(s.root, ['prune'])),
          finish(startCli(s.root, ['pull', fx.busybox.ref, `b${round}`])),
          finish(startCli(s.root, ['prune', '--dangling'])),
        ]);
        for (const r of runs) expect(r.code, r.stderr).toBe(0);
        expect(await ok(s.root, ['check'])).toBe('ok');
        for (const c of JSON.parse(await ok(s.root, ['containers', '--format', 'json'])) as Array<{ id: string }>) {
          await ok(s.root, ['mount', c.id]);
          await ok(s.root, ['umount', c.id]);
        }
        // Drop the names so the next round pulls into a store gc may empty.
        await ok(s.root, ['rmi', `m${round}`, `b${round}`, '--force']);
      }
    } finally {
      await s.cleanup();
    }
  });
});
