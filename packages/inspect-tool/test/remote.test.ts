import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFixtures, type Fixtures } from '../../../test/support/fixtures.js';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { inspectCli, run } from './support/cli.js';

/*
 * docker:// against the real registry on 127.0.0.1: inspect agrees with
 * skopeo field by field (Name and RepoTags included), and reads no layer:
 * it still works after the layer blobs are deleted from the registry's disk.
 */
let fx: Fixtures;
let registry: RunningRegistry;
let basic: RunningRegistry;

async function push(from: string, to: string, extra: string[] = []) {
  const copied = await run('skopeo', ['copy', '--dest-tls-verify=false', ...extra, from, to]);
  expect(copied.code, copied.stderr).toBe(0);
}

beforeAll(async () => {
  fx = await buildFixtures();
  [registry, basic] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
  await push(fx.multilayer.ref, `docker://${registry.host}/demo/multilayer:1.0`);
  await push(fx.multilayer.ref, `docker://${registry.host}/demo/multilayer:latest`);
  await push(fx.multiarch.ref, `docker://${registry.host}/demo/multiarch:v1`, ['--all']);
  await push(fx.busybox.ref, `docker://${basic.host}/private/busybox:1`, ['--dest-creds', `${basic.username}:${basic.password}`]);
});
afterAll(async () => {
  await Promise.all([registry?.stop(), basic?.stop()]);
});

const FIELDS = ['Name', 'Digest', 'RepoTags', 'Created', 'DockerVersion', 'Labels', 'Architecture', 'Os', 'Layers', 'Env'] as const;

async function compare(ref: string, flags: string[] = []) {
  const [ours, theirs] = await Promise.all([
    inspectCli('inspect', '--tls-verify=false', ...flags, ref),
    run('skopeo', ['inspect', '--tls-verify=false', ...flags, ref]),
  ]);
  expect(ours.code, ours.stderr).toBe(0);
  expect(theirs.code, theirs.stderr).toBe(0);
  const a = JSON.parse(ours.stdout) as Record<string, unknown>;
  const b = JSON.parse(theirs.stdout) as Record<string, unknown>;
  for (const field of FIELDS) expect([field, a[field]]).toEqual([field, b[field]]);
  return a;
}

describe('docker:// inspect against a real registry', () => {
  it('agrees with skopeo field by field, tags included', async () => {
    const a = await compare(`docker://${registry.host}/demo/multilayer:1.0`);
    expect(a.Name).toBe(`${registry.host}/demo/multilayer`);
    expect([...(a.RepoTags as string[])].sort()).toEqual(['1.0', 'latest']);
    const noTags = await compare(`docker://${registry.host}/demo/multilayer:1.0`, ['--no-tags']);
    expect(noTags.RepoTags).toEqual([]);
  });

  it('agrees with skopeo on an index with --override-arch, and prints the raw index', async () => {
    await compare(`docker://${registry.host}/demo/multiarch:v1`, ['--override-arch', 'arm64', '--override-variant', 'v8']);
    const [ours, theirs] = await Promise.all([
      inspectCli('inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/demo/multiarch:v1`),
      run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/demo/multiarch:v1`]),
    ]);
    expect(ours.stdoutBytes.equals(theirs.stdoutBytes)).toBe(true);
  });

  it('uses --creds for a registry with basic auth, and fails in one line without', async () => {
    const ref = `docker://${basic.host}/private/busybox:1`;
    await compare(ref, ['--creds', `${basic.username}:${basic.password}`]);
    const denied = await inspectCli('inspect', '--tls-verify=false', ref);
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fetches only the manifest and config: works with the layer blobs gone, while ls cannot', async () => {
    const ref = `docker://${registry.host}/demo/multilayer:1.0`;
    const before = await inspectCli('inspect', '--tls-verify=false', ref);
    const layers = JSON.parse(before.stdout).Layers as string[];
    const blobs = join(registry.storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256');
    for (const digest of layers) {
      const hex = digest.slice('sha256:'.length);
      await rm(join(blobs, hex.slice(0, 2), hex), { recursive: true, force: true });
    }
    expect((await readdir(blobs)).length).toBeGreaterThan(0);
    const after = await inspectCli('inspect', '--tls-verify=false', ref);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe(before.stdout);
    const ls = await inspectCli('ls', '--tls-verify=false', ref);
    expect(ls.code).toBe(1);
    expect(ls.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a missing repository or tag is one line and exit 1', async () => {
    for (const ref of [`docker://${registry.host}/nope/nothing:1`, `docker://${registry.host}/demo/multilayer:nope`]) {
      const result = await inspectCli('inspect', '--tls-verify=false', ref);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^oci-inspect: ERR_/);
    }
  });
});
