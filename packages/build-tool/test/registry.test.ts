// FROM docker:// and -t docker:// against the real distribution registry on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { ociBuild, tempDir, writeContext, removeTempDirs } from './support.js';

let registry: RunningRegistry;

beforeAll(async () => {
  const fx = await buildFixtures();
  registry = await startRegistry();
  execFileSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', fx.busybox.ref, `docker://${registry.host}/library/busybox:latest`]);
});

afterAll(async () => {
  removeTempDirs();
  await registry?.stop();
});

describe('docker:// references', () => {
  it('builds FROM a registry image and pushes the result', () => {
    const ctx = writeContext(tempDir('ctx'), { Dockerfile: `FROM docker://${registry.host}/library/busybox:latest\nRUN echo pushed > /pushed\n` });
    const store = join(tempDir('s'), 'store');
    const r = ociBuild(['--root', store, '--tls-verify=false', 'bud', '-q', '--isolation', 'chroot', '-t', `docker://${registry.host}/app/built:1`, ctx]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^docker://${registry.host}/app/built:1@sha256:[0-9a-f]{64}\\n$`));
    const digest = r.stdout.trim().split('@')[1];
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/app/built:1`], { encoding: 'utf8' })) as { Digest: string; Layers: string[] };
    expect(inspected.Digest).toBe(digest);
    expect(inspected.Layers).toHaveLength(2);
  });

  it('from docker://... makes a working container', () => {
    const store = join(tempDir('s'), 'store');
    const r = ociBuild(['--root', store, '--tls-verify=false', 'from', `docker://${registry.host}/library/busybox:latest`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('busybox-working-container');
  });
});
