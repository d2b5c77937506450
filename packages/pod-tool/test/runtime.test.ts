import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildRunSpec, createBundle, defaultSpec, findRuntime, runContainer, runtimeState, startContainer, UnsafeRootfsError,
} from '@ocikit/pod-tool';
import { busyboxRootfs, hostTraces, sh, tempDir } from './support.js';

/** The runtime layer as build-tool uses it: a bundle and a runtime, no CLI. */
describe.each(['runc', 'crun'])('runtime library with %s', (name) => {
  let dir: string;
  let rootfs: string;
  let counter = 0;

  beforeAll(async () => {
    dir = await tempDir(`lib-${name}`);
    rootfs = await busyboxRootfs(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const runtime = () => findRuntime(name, { searchPath: process.env.PATH ?? '/usr/sbin:/usr/bin', stateRoot: join(dir, 'state') });
  async function bundleFor(args: string[], extra: Parameters<typeof buildRunSpec>[3] = {}) {
    const id = `lib-${name}-${process.pid}-${++counter}`;
    const spec = buildRunSpec(defaultSpec({ id, args: [] }), undefined, [], { command: args, ...extra });
    const bundle = await createBundle(join(dir, id), { rootfs, spec });
    return { id, bundle };
  }

  it('runs a bundle with piped stdio and returns the exit code', async () => {
    const { id, bundle } = await bundleFor(['sh', '-c', 'read line; echo "got $line"; echo oops >&2; exit 3']);
    const proc = startContainer(bundle.dir, { runtime: await runtime(), id, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.child.stdout!.on('data', (d: Buffer) => (out += d));
    proc.child.stderr!.on('data', (d: Buffer) => (err += d));
    proc.child.stdin!.end('input\n');
    expect(await proc.exited).toBe(3);
    expect(out).toBe('got input\n');
    expect(err).toBe('oops\n');
    expect(await runtimeState(await runtime(), id)).toBeUndefined();
    expect(hostTraces(id, bundle.dir)).toEqual([]);
  });

  it('forwards a kill to the container and reports 128+signal', async () => {
    const { id, bundle } = await bundleFor(['sleep', '30']);
    const proc = startContainer(bundle.dir, { runtime: await runtime(), id, stdio: 'ignore', pidFile: join(dir, `${id}.pid`) });
    for (let i = 0; i < 100 && !(await readFile(join(dir, `${id}.pid`), 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 20));
    await proc.kill('SIGKILL');
    expect(await proc.exited).toBe(137);
  });

  it('aborts through an AbortSignal', async () => {
    const { id, bundle } = await bundleFor(['sleep', '30']);
    const controller = new AbortController();
    const running = runContainer(bundle.dir, { runtime: await runtime(), id, stdio: 'ignore', signal: controller.signal, pidFile: join(dir, `${id}.pid`) });
    for (let i = 0; i < 100 && !(await readFile(join(dir, `${id}.pid`), 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect(await running).toBe(137);
  });

  it('passes extra fds for socket activation', async () => {
    const out = join(dir, `fd-${name}.txt`);
    await writeFile(out, '');
    const { id, bundle } = await bundleFor(['sh', '-c', 'echo "fd3 works" >&3'], { env: ['LISTEN_FDS=1', 'LISTEN_PID=1'] });
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(out, 'w');
    try {
      expect(await runContainer(bundle.dir, { runtime: await runtime(), id, stdio: ['ignore', 'ignore', 'inherit', fd], preserveFds: 1 })).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(await readFile(out, 'utf8')).toBe('fd3 works\n');
  });

  it('refuses mount destinations through symlinks the runtime would follow out', async () => {
    const hostile = await busyboxRootfs(join(dir, `hostile-${name}`));
    const victim = join(dir, `victim-${name}`);
    await mkdir(victim);
    await rm(join(hostile, 'dev'), { recursive: true, force: true });
    await sh(`ln -s ${victim} ${join(hostile, 'dev')}`);
    const spec = defaultSpec({ id: 'x', args: ['true'] });
    await expect(createBundle(join(dir, `hostile-bundle-${name}`), { rootfs: hostile, spec })).rejects.toBeInstanceOf(UnsafeRootfsError);
  });
});
