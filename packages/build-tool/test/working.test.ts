// The buildah-style step-by-step commands, through the built CLI.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures } from '../../../test/support/fixtures.js';
import { ociBuild, tempDir, unpack, writeContext, removeTempDirs } from './support.js';

let base: string;

beforeAll(async () => {
  base = (await buildFixtures()).busybox.ref;
});

afterAll(removeTempDirs);

describe('working containers', () => {
  it('from, mount, copy, add, config, run, commit, containers, inspect, rm', async () => {
    const out = tempDir('wc');
    const store = join(out, 'store');
    const ob = (...args: string[]) => ociBuild(['--root', store, ...args]);
    const from = ob('from', base);
    expect(from.status, from.stderr).toBe(0);
    const name = from.stdout.trim();
    expect(name).toBe('busybox-working-container');
    expect(ob('from', base).stdout.trim()).toBe('busybox-working-container-1');

    // A host tool fills the mounted rootfs.
    const mount = ob('mount', name);
    expect(mount.status, mount.stderr).toBe(0);
    const rootfs = mount.stdout.trim();
    mkdirSync(join(rootfs, 'opt/host'), { recursive: true });
    writeFileSync(join(rootfs, 'opt/host/made'), 'by the host\n');
    expect(ob('umount', name).status).toBe(0);

    const ctx = writeContext(tempDir('src'), { 'app.conf': 'conf\n', 'lib/one': '1', '.containerignore': 'lib/skip\n', 'lib/skip': 's' });
    const copy = ociBuild(['--root', store, 'copy', '--chown', '1000:1000', '--chmod', '640', '--contextdir', ctx, name, 'app.conf', 'lib', '/etc/app/']);
    expect(copy.status, copy.stderr).toBe(0);

    const cfg = ob('config', name, '--env', 'MODE=prod', '--cmd', '["/bin/sh", "-c", "cat /etc/app/app.conf"]', '--workingdir', '/etc/app', '--port', '8080', '--label', 'tier=web', '--user', '0', '--stop-signal', 'SIGINT', '--author', 'me', '--annotation', 'org.example.note=hi');
    expect(cfg.status, cfg.stderr).toBe(0);

    const run = ob('run', '--isolation', 'chroot', name, '--', 'sh', '-c', 'echo "$MODE in $(pwd)"; echo written > /ran; exit 3');
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('prod in /etc/app\n');
    const vol = tempDir('vol');
    writeFileSync(join(vol, 'in'), 'mounted');
    const withVolume = ob('run', '--isolation', 'chroot', '-v', `${vol}:/mnt/vol:ro`, '--env', 'X=1', name, '--', 'sh', '-c', 'cat /mnt/vol/in; echo $X');
    expect(withVolume.stdout).toBe('mounted1\n');

    const list = JSON.parse(ob('containers', '--format', 'json').stdout) as Array<{ name: string; image: string }>;
    expect(list.map((c) => c.name)).toEqual(['busybox-working-container', 'busybox-working-container-1']);
    const inspect = JSON.parse(ob('inspect', name).stdout) as { config: { config: { Env: string[] } }; fromImage: string };
    expect(inspect.fromImage).toBe(base);
    expect(inspect.config.config.Env).toContain('MODE=prod');
    expect(ob('config', name, '--env', 'TEMP=1').status).toBe(0);
    expect(ob('config', name, '--env', 'TEMP-').status).toBe(0);
    expect((JSON.parse(ob('inspect', name).stdout) as typeof inspect).config.config.Env.some((e) => e.startsWith('TEMP='))).toBe(false);

    const commit = ob('commit', '--timestamp', '1700000000', name, `oci:${join(out, 'l')}:app`);
    expect(commit.status, commit.stderr).toBe(0);
    expect(commit.stdout).toMatch(/^oci:.*:app@sha256:[0-9a-f]{64}\n$/);
    const image = await unpack(join(out, 'l'), 'app');
    expect(image.layers).toBe(2);
    expect(readFileSync(join(image.rootfs, 'opt/host/made'), 'utf8')).toBe('by the host\n');
    expect(readFileSync(join(image.rootfs, 'ran'), 'utf8')).toBe('written\n');
    expect(readFileSync(join(image.rootfs, 'etc/app/app.conf'), 'utf8')).toBe('conf\n');
    expect(readFileSync(join(image.rootfs, 'etc/app/one'), 'utf8')).toBe('1');
    expect(() => readFileSync(join(image.rootfs, 'etc/app/skip'))).toThrow();
    const c = image.config;
    expect(c.created).toBe('2023-11-14T22:13:20Z');
    expect(c.author).toBe('me');
    expect(c.config).toMatchObject({ WorkingDir: '/etc/app', User: '0', StopSignal: 'SIGINT', ExposedPorts: { '8080/tcp': {} }, Cmd: ['/bin/sh', '-c', 'cat /etc/app/app.conf'] });
    expect(c.config?.Labels?.tier).toBe('web');
    const { openLayoutImage } = await import('./support.js');
    expect((await (await openLayoutImage(join(out, 'l'), 'app')).manifest()).annotations?.['org.example.note']).toBe('hi');

    // Again with the same timestamp: the same digest; squashed: one layer; then rm.
    expect(ob('commit', '--timestamp', '1700000000', name, `oci:${join(out, 'l')}:again`).stdout.split('@')[1]).toBe(commit.stdout.split('@')[1]);
    const squash = ob('commit', '--squash', '--rm', name, `oci:${join(out, 'l')}:squashed`);
    expect(squash.status, squash.stderr).toBe(0);
    expect((await unpack(join(out, 'l'), 'squashed')).layers).toBe(1);
    expect(ob('inspect', name).status).toBe(1);
    expect(ob('rm', 'busybox-working-container-1').status).toBe(0);
    expect(JSON.parse(ob('containers', '--format', 'json').stdout)).toEqual([]);
  });

  it('from scratch, add of a tar archive, copy --from another container, commit into the store', async () => {
    const out = tempDir('wc2');
    const store = join(out, 'store');
    const ob = (...args: string[]) => ociBuild(['--root', store, ...args]);
    const donor = ob('from', base).stdout.trim();
    const scratch = ob('from', 'scratch').stdout.trim();
    expect(scratch).toBe('working-container');
    const fromDonor = ob('copy', '--from', donor, scratch, '/bin/busybox', '/bin/');
    expect(fromDonor.status, fromDonor.stderr).toBe(0);
    const src = writeContext(tempDir('tar'), { 'x/y': 'y' });
    const { execFileSync } = await import('node:child_process');
    execFileSync('tar', ['-czf', join(out, 'a.tgz'), '-C', src, '.']);
    expect(ob('add', scratch, join(out, 'a.tgz'), '/unpacked/').status).toBe(0);
    const committed = ob('commit', scratch, 'localhost/mine:1');
    expect(committed.stdout).toMatch(/^storage:localhost\/mine:1@sha256:/);
    // The stored image is a base for a new working container.
    // run through the OCI runtime (the default isolation), exit code and output unchanged
    const viaRuntime = ob('run', donor, '--', 'sh', '-c', 'echo from runc; exit 5');
    expect(viaRuntime.status).toBe(5);
    expect(viaRuntime.stdout).toBe('from runc\n');
    const again = ob('from', 'localhost/mine:1');
    expect(again.status, again.stderr).toBe(0);
    const rootfs = ob('mount', again.stdout.trim()).stdout.trim();
    expect(readFileSync(join(rootfs, 'unpacked/x/y'), 'utf8')).toBe('y');
  });
});
