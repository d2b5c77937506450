import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversionError, imageConfigToRuntimeSpec, resolveInRootfs, resolveUser } from './conversion.js';
import type { ImageConfig } from './types.js';

const base: ImageConfig = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
let dir: string;
let rootfs: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conversion-'));
  rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001::/home/app:/bin/sh\n');
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\napp:x:1001:\nwheel:x:10:app,other\naudio:x:29:app\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('imageConfigToRuntimeSpec', () => {
  it('copies Env, Entrypoint+Cmd and WorkingDir verbatim', async () => {
    const spec = await imageConfigToRuntimeSpec({
      ...base,
      config: { Env: ['PATH=/x', 'A=1'], Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hi'], WorkingDir: '/srv' },
    });
    expect(spec.process?.args).toEqual(['/bin/sh', '-c', 'echo hi']);
    expect(spec.process?.env).toEqual(['PATH=/x', 'A=1']);
    expect(spec.process?.cwd).toBe('/srv');
    expect(spec.process?.user).toEqual({ uid: 0, gid: 0 });
  });

  it('adds a default PATH only when the image has none, and cwd defaults to /', async () => {
    const spec = await imageConfigToRuntimeSpec({ ...base, config: { Env: ['A=1'], Cmd: ['true'] } });
    expect(spec.process?.env?.[0]).toMatch(/^PATH=/);
    expect(spec.process?.env).toContain('A=1');
    expect(spec.process?.cwd).toBe('/');
  });

  it('maps implicit fields and labels to annotations, labels winning', async () => {
    const spec = await imageConfigToRuntimeSpec({
      ...base,
      variant: 'v8',
      author: 'me',
      created: '2020-01-01T00:00:00Z',
      config: {
        StopSignal: 'SIGINT',
        ExposedPorts: { '80/tcp': {}, '53/udp': {} },
        Labels: { 'org.opencontainers.image.author': 'label-wins', foo: 'bar' },
      },
    });
    expect(spec.annotations).toEqual({
      'org.opencontainers.image.os': 'linux',
      'org.opencontainers.image.architecture': 'amd64',
      'org.opencontainers.image.variant': 'v8',
      'org.opencontainers.image.author': 'label-wins',
      'org.opencontainers.image.created': '2020-01-01T00:00:00Z',
      'org.opencontainers.image.stopSignal': 'SIGINT',
      'org.opencontainers.image.exposedPorts': '80/tcp,53/udp',
      foo: 'bar',
    });
  });

  it('turns Volumes into tmpfs mounts unless asked not to', async () => {
    const config = { ...base, config: { Volumes: { '/data': {}, '/cache': {} } } };
    const spec = await imageConfigToRuntimeSpec(config);
    expect(spec.mounts?.map((m) => [m.destination, m.type])).toEqual([['/cache', 'tmpfs'], ['/data', 'tmpfs']]);
    expect((await imageConfigToRuntimeSpec(config, { volumes: 'none' })).mounts).toBeUndefined();
  });
});

describe('resolveUser', () => {
  it('copies numeric ids verbatim', async () => {
    expect(await resolveUser('123:456', rootfs)).toEqual({ uid: 123, gid: 456 });
    expect(await resolveUser('1000', rootfs)).toEqual({ uid: 1000, gid: 1001 });
    expect(await resolveUser('4242', undefined)).toEqual({ uid: 4242, gid: 0 });
  });

  it('resolves names in the rootfs and adds supplementary groups only for a bare name', async () => {
    expect(await resolveUser('app', rootfs)).toEqual({ uid: 1000, gid: 1001, additionalGids: [10, 29] });
    expect(await resolveUser('app:wheel', rootfs)).toEqual({ uid: 1000, gid: 10 });
    expect(await resolveUser('0:audio', rootfs)).toEqual({ uid: 0, gid: 29 });
  });

  it('fails for unknown users and groups and malformed values', async () => {
    await expect(resolveUser('nobody-here', rootfs)).rejects.toBeInstanceOf(ConversionError);
    await expect(resolveUser('app:nogroup', rootfs)).rejects.toThrow(/not found/);
    await expect(resolveUser('app:', rootfs)).rejects.toThrow(/invalid user/);
    await expect(resolveUser('app', undefined)).rejects.toThrow(/without a root filesystem/);
  });

  it('never reads host files through a symlinked /etc/passwd', async () => {
    const hostile = join(dir, 'hostile');
    await mkdir(join(hostile, 'etc'), { recursive: true });
    // A host file naming "evil"; the links point at it from inside the rootfs and must not reach it.
    const hostFile = join(dir, 'host-accounts');
    await writeFile(hostFile, 'evil:x:7:7::/:/bin/sh\n');
    await symlink(hostFile, join(hostile, 'etc/passwd'));
    await symlink('../../../../../../../../..' + hostFile, join(hostile, 'etc/group'));
    await expect(resolveUser('evil', hostile)).rejects.toThrow(/not found/);
    await expect(resolveUser('0:evil', hostile)).rejects.toThrow(/not found/);
  });

  it('refuses a device or directory in place of /etc/passwd', async () => {
    const odd = join(dir, 'odd');
    await mkdir(join(odd, 'etc/passwd'), { recursive: true });
    await expect(resolveUser('app', odd)).rejects.toThrow(/not a regular file/);
  });
});

describe('resolveInRootfs', () => {
  it('keeps absolute and .. links inside the root', async () => {
    const root = join(dir, 'links');
    await mkdir(join(root, 'a'), { recursive: true });
    await symlink('/', join(root, 'a/up'));
    await symlink('../../../..', join(root, 'a/dots'));
    expect(await resolveInRootfs(root, '/a/up/etc/shadow')).toBe(join(root, 'etc/shadow'));
    expect(await resolveInRootfs(root, '/a/dots/etc')).toBe(join(root, 'etc'));
    expect(await resolveInRootfs(root, '../../x')).toBe(join(root, 'x'));
  });

  it('stops on symlink loops', async () => {
    const root = join(dir, 'loop');
    await mkdir(root, { recursive: true });
    await symlink('/l2', join(root, 'l1'));
    await symlink('/l1', join(root, 'l2'));
    await expect(resolveInRootfs(root, '/l1')).rejects.toThrow(/too many symlinks/);
  });
});
