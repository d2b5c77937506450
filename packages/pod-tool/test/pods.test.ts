import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRunroot, dropRunroot, hostTraces, ociPod, RUNTIMES, sh } from './support.js';

async function fetchText(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await response.text();
    } catch (error) {
      if (attempt > 40) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.each(RUNTIMES)('pods and networks with %s', (runtime) => {
  let dir: string;
  let rootfs: string;
  let base: string[];

  beforeAll(async () => {
    ({ dir, rootfs, base } = await busyboxRunroot(`pods-${runtime}`, runtime));
  });
  afterAll(() => dropRunroot(dir, base));

  it('runs two containers of a pod that talk over localhost and share a hostname', async () => {
    const pod = await ociPod([...base, 'pod', 'create', '--name', 'p1', '--hostname', 'podhost']);
    expect(pod.code).toBe(0);
    const web = await ociPod([...base, 'run', '-d', '--pod', 'p1', '--name', 'web', '--rootfs', rootfs, 'httpd', '-f', '-p', '8080', '-h', '/www']);
    expect(web.stderr).toBe('');
    const client = await ociPod([...base, 'run', '--rm', '--pod', 'p1', '--rootfs', rootfs, 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1:8080/ && break; sleep 0.2; done; hostname']);
    expect(client.stdout).toBe('hello from the pod\npodhost\n');
    const inspect = JSON.parse((await ociPod([...base, 'pod', 'inspect', 'p1'])).stdout) as { containers: Array<{ name: string; state: { status: string } }> };
    expect(inspect.containers.map((c) => [c.name, c.state.status]).sort()).toEqual([['p1-infra', 'running'], ['web', 'running']]);
    const ps = JSON.parse((await ociPod([...base, 'pod', 'ps', '--format', 'json'])).stdout) as Array<{ name: string; containers: number }>;
    expect(ps).toMatchObject([{ name: 'p1', containers: 2 }]);
    expect((await ociPod([...base, 'pod', 'stop', '-t', '1', 'p1'])).code).toBe(0);
    const ids = (JSON.parse((await ociPod([...base, 'ps', '-a', '--format', 'json'])).stdout) as Array<{ id: string; status: string }>);
    expect(ids.map((c) => c.status)).toEqual(['exited', 'exited']);
    expect((await ociPod([...base, 'pod', 'rm', 'p1'])).code).toBe(0);
    expect((await ociPod([...base, 'ps', '-a', '-q'])).stdout).toBe('');
    for (const { id } of ids) expect(hostTraces(id, join(dir, 'run'))).toEqual([]);
  });

  it('publishes a pod port through its infra container', async () => {
    const port = runtime === 'runc' ? 18491 : 18492;
    expect((await ociPod([...base, 'pod', 'create', '--name', 'pp', '-p', `127.0.0.1:${port}:8080`])).code).toBe(0);
    const web = await ociPod([...base, 'run', '-d', '--pod', 'pp', '--rootfs', rootfs, 'httpd', '-f', '-p', '8080', '-h', '/www']);
    expect(web.stderr).toBe('');
    expect(await fetchText(`http://127.0.0.1:${port}/`)).toBe('hello from the pod\n');
    expect((await ociPod([...base, 'pod', 'rm', '-f', 'pp'])).code).toBe(0);
    expect((await sh('ip netns list')).includes('ocikit-')).toBe(false);
  });

  it('publishes a port of a bridge-networked container on 127.0.0.1 and cleans up its namespace', async () => {
    const port = runtime === 'runc' ? 18481 : 18482;
    const started = await ociPod([...base, 'run', '-d', '--network', 'bridge', '-p', `127.0.0.1:${port}:8080`, '--name', 'bridged', '--rootfs', rootfs, 'httpd', '-f', '-p', '8080', '-h', '/www']);
    expect(started.stderr).toBe('');
    const id = started.stdout.trim();
    expect(hostTraces(id, join(dir, 'run')).filter((t) => t.startsWith('netns:'))).toEqual([`netns: ocikit-${id.slice(0, 16)}`]);
    expect(await fetchText(`http://127.0.0.1:${port}/`)).toBe('hello from the pod\n');
    const inside = await ociPod([...base, 'exec', 'bridged', 'sh', '-c', 'ip -o -4 addr show eth0; wget -qO- http://127.0.0.1:8080/']);
    expect(inside.stdout).toMatch(/inet 10\.90\.0\.\d+\/24/);
    expect(inside.stdout).toContain('hello from the pod');
    expect((await ociPod([...base, 'rm', '-f', 'bridged'])).code).toBe(0);
    expect(hostTraces(id, join(dir, 'run'))).toEqual([]);
  });
});
