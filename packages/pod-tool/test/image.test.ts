import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, copyLayout, REPO_ROOT } from '../../../test/support/fixtures.js';
import { startRegistry } from '../../../test/support/registry.js';
import { ociPod, RUNTIMES, tempDir, removeEverything } from './support.js';

const exec = promisify(execFile);

/** Images from the store: any transport copied in, the image config applied, the rootfs given back on rm. */
describe.each(RUNTIMES)('running images with %s', (runtime) => {
  let dir: string;
  let layout: string;
  let base: string[];
  let store: string;

  beforeAll(async () => {
    dir = await tempDir(`image-${runtime}`);
    const fx = await buildFixtures();
    layout = await copyLayout(fx.busybox.layout, join(dir, 'layout'));
    // An image whose config sets everything conversion.md maps.
    await exec(process.execPath, [
      join(REPO_ROOT, 'packages/oci-image/bin/oci-image.js'), 'config', 'set', `oci:${layout}:latest`, '--dest', `oci:${layout}:app`,
      '--entrypoint', '["/bin/sh","-c"]', '--cmd', '["echo \\"$GREETING from $(pwd) as $(id -un)\\"; trap \\"echo got-int; exit 9\\" INT; [ -n \\"$WAIT\\" ] && while true; do sleep 0.1; done; exit 0"]',
      '--workdir', '/tmp', '--user', 'nobody', '--env', 'GREETING=hello', '--stop-signal', 'SIGINT', '--volume', '/cache', '--label', 'app=demo',
    ]);
    store = join(dir, 'store');
    base = ['--runroot', join(dir, 'run'), '--root', store, '--runtime', runtime];
  });
  afterAll(async () => {
    await removeEverything(base);
    await rm(dir, { recursive: true, force: true });
  });

  const storageContainers = () => readdirSync(join(store, 'containers')).filter((n) => !n.startsWith('.'));
  const storeMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(store));
  /** Whether `oci-pod ps` shows the container running within 10 s. */
  const runningSoon = async (name: string): Promise<boolean> => {
    for (let i = 0; i < 200; i++) {
      const ps = JSON.parse((await ociPod([...base, 'ps', '--format', 'json'])).stdout || '[]') as Array<{ name: string; status: string }>;
      if (ps.some((c) => c.name === name && c.status === 'running')) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  };

  it('runs an image of another transport with its Entrypoint, Cmd, Env, WorkingDir and User', async () => {
    const result = await ociPod([...base, 'run', '--rm', `oci:${layout}:app`]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hello from /tmp as nobody\n');
    expect(result.code).toBe(0);
    const override = await ociPod([...base, 'run', '--rm', '-u', 'root', '-e', 'GREETING=hi', `oci:${layout}:app`, 'echo "$GREETING $(id -u)"; ls -d /cache']);
    expect(override.stdout).toBe('hi 0\n/cache\n');
    expect(storageContainers()).toEqual([]);
    expect(storeMounts()).toEqual([]);
  });

  it('mounts the rootfs of an --rm container volatile (no disk sync on unmount), a kept one not', async () => {
    const rootMount = `grep ' / / ' /proc/self/mountinfo`;
    const throwaway = await ociPod([...base, 'run', '--rm', `oci:${layout}:app`, rootMount]);
    expect(throwaway.stdout).toMatch(/ - overlay .*volatile/);
    const kept = await ociPod([...base, 'run', '--name', 'kept', `oci:${layout}:app`, rootMount]);
    expect(kept.stdout).toMatch(/ - overlay /);
    expect(kept.stdout).not.toMatch(/volatile/);
    expect((await ociPod([...base, 'rm', 'kept'])).code).toBe(0);
    expect(storageContainers()).toEqual([]);
    expect(storeMounts()).toEqual([]);
  });

  // A plain --rm run lets runc mount the overlay itself as the container's /: nothing of the store is
  // mounted on the host, even while the container runs. crun cannot, and gets a host mount as before.
  it(runtime === 'runc' ? 'has runc mount the rootfs of a plain --rm run, never the host' : 'mounts the rootfs of a plain --rm run on the host', async () => {
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

  it('resolves exec -u NAME in the running container, also when runc mounted its rootfs itself', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'packages/pod-tool/bin/oci-pod.js'), ...base, 'run', '--rm', '--name', 'execme', `oci:${layout}:latest`, 'sleep', '30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      expect(await runningSoon('execme')).toBe(true);
      const result = await ociPod([...base, 'exec', '-u', 'nobody', 'execme', 'id', '-u']);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('65534\n');
    } finally {
      await ociPod([...base, 'stop', '-t', '0', 'execme']);
      await exited;
    }
    expect(storageContainers()).toEqual([]);
  });

  it('refuses an image whose top layer makes /dev a symlink out, leaving the host untouched', async () => {
    const victim = join(dir, 'host-victim');
    const evil = join(dir, 'evil-layer');
    mkdirSync(victim);
    mkdirSync(evil);
    symlinkSync(victim, join(evil, 'dev'));
    await exec(process.execPath, [join(REPO_ROOT, 'packages/oci-image/bin/oci-image.js'), 'layer', 'add', `oci:${layout}:latest`, evil, '--dest', `oci:${layout}:evil`]);
    const result = await ociPod([...base, 'run', '--rm', `oci:${layout}:evil`, 'true']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERR_POD_UNSAFE_ROOTFS');
    expect(readdirSync(victim)).toEqual([]);
    expect(storeMounts()).toEqual([]);
    expect(storageContainers()).toEqual([]);
  });

  it('leaves an --rm container whose oci-pod was killed removable: rm -f takes its volatile mount, storage and record', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'packages/pod-tool/bin/oci-pod.js'), ...base, 'run', '--rm', '--name', 'crashy', `oci:${layout}:app`, 'sleep 30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    expect(await runningSoon('crashy')).toBe(true);
    child.kill('SIGKILL'); // the crash: nobody is left to clean up after the container
    await exited;
    expect(storageContainers()).toHaveLength(1);
    expect(storeMounts().join('\n')).toMatch(/volatile/);
    const removed = await ociPod([...base, 'rm', '-f', 'crashy']);
    expect(removed.stderr).toBe('');
    expect(removed.code).toBe(0);
    expect(storageContainers()).toEqual([]);
    expect(storeMounts()).toEqual([]);
    expect(JSON.parse((await ociPod([...base, 'ps', '-a', '--format', 'json'])).stdout)).toEqual([]);
  });

  it('pulls into the store, lists and removes images, and runs one by name', async () => {
    const pulled = await ociPod([...base, 'pull', `oci:${layout}:app`]);
    expect(pulled.stdout).toMatch(/^storage:(\S+@)?sha256:[0-9a-f]{64}\n$/);
    const digest = pulled.stdout.trim().split('sha256:')[1]!;
    const images = JSON.parse((await ociPod([...base, 'images', '--format', 'json'])).stdout) as Array<{ id: string }>;
    expect(images.map((i) => i.id)).toContain(digest);
    const run = await ociPod([...base, 'run', '--rm', digest.slice(0, 12)]);
    expect(run.stdout).toBe('hello from /tmp as nobody\n');
    expect((await ociPod([...base, 'rmi', digest.slice(0, 12)])).code).toBe(0);
    const unknown = await ociPod([...base, 'run', '--rm', 'no-such-image']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('stops a detached image container with the image StopSignal and gives its rootfs back on rm', async () => {
    const started = await ociPod([...base, 'run', '-d', '--name', 'img', '-e', 'WAIT=1', `oci:${layout}:app`]);
    expect(started.stderr).toBe('');
    const inspect = JSON.parse((await ociPod([...base, 'inspect', 'img'])).stdout) as Array<{ stopSignal: string; spec: { annotations: Record<string, string> } }>;
    expect(inspect[0]!.stopSignal).toBe('SIGINT');
    expect(inspect[0]!.spec.annotations).toMatchObject({ app: 'demo', 'org.opencontainers.image.stopSignal': 'SIGINT' });
    expect(storageContainers()).toHaveLength(1);
    expect((await ociPod([...base, 'stop', 'img'])).code).toBe(0);
    expect((await ociPod([...base, 'wait', 'img'])).stdout).toBe('9\n');
    expect((await ociPod([...base, 'logs', 'img'])).stdout).toBe('hello from /tmp as nobody\ngot-int\n');
    expect((await ociPod([...base, 'rm', 'img'])).code).toBe(0);
    expect(storageContainers()).toEqual([]);
    expect(storeMounts()).toEqual([]);
  });
});

describe('images from a registry', () => {
  let dir: string;
  let base: string[];
  let registry: Awaited<ReturnType<typeof startRegistry>>;

  beforeAll(async () => {
    dir = await tempDir('registry');
    base = ['--runroot', join(dir, 'run'), '--root', join(dir, 'store')];
    registry = await startRegistry();
    const fx = await buildFixtures();
    // skopeo, an independent client, puts the image there.
    await exec('skopeo', ['copy', '--dest-tls-verify=false', fx.busybox.ref, `docker://${registry.host}/busybox:latest`]);
  });
  afterAll(async () => {
    await removeEverything(base);
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('pulls a missing image with a registry host before running it', async () => {
    const result = await ociPod([...base, 'run', '--rm', `${registry.host}/busybox:latest`, 'echo', 'from the registry']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('from the registry\n');
    const images = JSON.parse((await ociPod([...base, 'images', '--format', 'json'])).stdout) as Array<{ names: string[] }>;
    expect(images.flatMap((i) => i.names)).toContain(`${registry.host}/busybox:latest`);
    const pulled = await ociPod([...base, 'pull', `docker://${registry.host}/busybox:latest`]);
    expect(pulled.stdout).toMatch(new RegExp(`^storage:${registry.host.replace(/\./g, '\\.')}/busybox:latest@sha256:[0-9a-f]{64}\\n$`));
  });
});
