import { execFile } from 'node:child_process';
import { chmodSync, cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { BIN, tempStore } from './support.js';

/** oci-storage as the unprivileged user nobody (who cannot mount overlayfs). */
function asNobody(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('runuser', ['-u', 'nobody', '--', process.execPath, BIN, '--root', root, ...args], { env: { PATH: process.env.PATH, HOME: root } }, (error, stdout, stderr) => {
      resolve({ code: error ? 1 : 0, stdout: stdout.trim(), stderr });
    });
  });
}

describe('without privileges', () => {
  it('falls back to the copy driver and still creates, mounts, diffs and commits', async () => {
    const fx = await buildFixtures();
    const s = await tempStore();
    try {
      chmodSync(s.root, 0o777);
      const layout = path.join(s.root, 'layout');
      cpSync(fx.busybox.layout, layout, { recursive: true });
      const store = path.join(s.root, 'store');
      const created = await asNobody(store, ['create', `oci:${layout}:${fx.busybox.tag}`]);
      expect(created.code, created.stderr).toBe(0);
      const info = JSON.parse((await asNobody(store, ['info', '--format', 'json'])).stdout) as { driver: string; overlaySupported: boolean };
      expect(info).toMatchObject({ driver: 'vfs', overlaySupported: false });
      const mp = (await asNobody(store, ['mount', created.stdout])).stdout;
      expect(mp).toBe(path.join(store, 'containers', created.stdout, 'rootfs'));
      writeFileSync(path.join(mp, 'hello.txt'), 'hi');
      expect((await asNobody(store, ['diff', created.stdout])).stdout).toBe('A /hello.txt');
      const committed = await asNobody(store, ['commit', created.stdout, 'hello:1']);
      expect(committed.stdout, committed.stderr).toMatch(/^storage:hello:1@sha256:[a-f0-9]{64}$/);
      expect((await asNobody(store, ['check'])).stdout).toBe('ok');
    } finally {
      await s.cleanup();
    }
  });
});
