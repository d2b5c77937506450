import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, copyLayout, REPO_ROOT } from '../../../test/support/fixtures.js';
import { ociPod, RUNTIMES, tempDir, removeEverything } from './support.js';

const exec = promisify(execFile);

/**
 * A plain `run --rm` of an image lets runc mount the overlay itself as the
 * container's `/`: nothing of the store is mounted on the host, even while
 * the container runs. crun cannot, and gets a host mount as before.
 */
describe.each(RUNTIMES)('the rootfs of a plain run --rm with %s', (runtime) => {
  let dir: string;
  let layout: string;
  let store: string;
  let base: string[];
  let victim: string;

  beforeAll(async () => {
    dir = await tempDir(`root-${runtime}`);
    layout = await copyLayout((await buildFixtures()).busybox.layout, join(dir, 'layout'));
    store = join(dir, 'store');
    base = ['--runroot', join(dir, 'run'), '--root', store, '--runtime', runtime];
    victim = join(dir, 'host-victim');
    mkdirSync(victim);
    // An image whose top layer turns /dev into a symlink to the host.
    const evil = join(dir, 'evil-layer');
    mkdirSync(evil);
    symlinkSync(victim, join(evil, 'dev'));
    await exec(process.execPath, [join(REPO_ROOT, 'packages/oci-image/bin/oci-image.js'), 'layer', 'add', `oci:${layout}:latest`, evil, '--dest', `oci:${layout}:evil`]);
  });
  afterAll(async () => {
    await removeEverything(base);
    await rm(dir, { recursive: true, force: true });
  });

  const storeMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(store));
  const storageContainers = () => readdirSync(join(store, 'containers')).filter((n) => !n.startsWith('.'));

  it(runtime === 'runc' ? 'is mounted by runc inside the container, never on the host' : 'is mounted on the host while the container runs', async () => {
    const running = ociPod([...base, 'run', '--rm', `oci:${layout}:latest`, 'sh', '-c', "grep ' / / ' /proc/self/mountinfo; sleep 1.5"]);
    let seen: string[] = [];
    for (let i = 0; i < 40 && seen.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = storeMounts();
    }
    const result = await running;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ \/ \/ .* - overlay overlay .*volatile/);
    if (runtime === 'runc') expect(seen).toEqual([]);
    else expect(seen.join('\n')).toMatch(/ - overlay /);
    expect(storeMounts()).toEqual([]);
    expect(storageContainers()).toEqual([]);
  });

  it('refuses an image whose /dev is a symlink out, leaving the host untouched', async () => {
    const result = await ociPod([...base, 'run', '--rm', `oci:${layout}:evil`, 'true']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERR_POD_UNSAFE_ROOTFS');
    expect(readdirSync(victim)).toEqual([]);
    expect(storeMounts()).toEqual([]);
    expect(storageContainers()).toEqual([]);
  });
});
