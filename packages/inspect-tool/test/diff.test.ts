import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftImage, dir, file, symlink, whiteout, type EntrySpec } from './support/craft.js';
import { inspectCli, tempDir, type TempDir } from './support/cli.js';

/* Two crafted images whose differences are known exactly: diff must find those and nothing else. */
const dpkg = (pkgs: Array<[string, string, string?]>) =>
  pkgs.map(([name, version, status]) => `Package: ${name}\nStatus: ${status ?? 'install ok installed'}\nInstalled-Size: 10\nVersion: ${version}\nDescription: ${name}\n multi-line\n`).join('\n');
const apk = (pkgs: Array<[string, string]>) => pkgs.map(([name, version]) => `C:Q1abc=\nP:${name}\nV:${version}\nI:4096\n`).join('\n');
const npmLock = (deps: Record<string, string>) =>
  JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { '': { name: 'app' }, ...Object.fromEntries(Object.entries(deps).map(([n, v]) => [`node_modules/${n}`, { version: v }])) } });

/* Image a is this one layer; image b is the same layer plus one that makes the changes. */
const imageA: EntrySpec[] = [
  dir('etc'), dir('bin'), dir('app'), dir('var'), dir('var/lib'), dir('var/lib/dpkg'), dir('lib'), dir('lib/apk'), dir('lib/apk/db'), file('bin/busybox', 'BB'), file('bin/busybox2', 'BB2'),
  file('etc/os-release', 'VERSION=1\n'),
  file('etc/hosts', 'h'),
  file('app/main.js', 'console.log(1)'),
  file('app/old.js', 'old!'),
  symlink('bin/sh', 'busybox'),
  file('var/lib/dpkg/status', dpkg([['curl', '7.0'], ['libc6', '2.36'], ['gone', '1.0', 'deinstall ok config-files']])),
  file('lib/apk/db/installed', apk([['musl', '1.2.4']])),
  file('package-lock.json', npmLock({ lodash: '4.17.20', left: '1.0.0' })),
];

let tmp: TempDir;
let refA: string;
let refB: string;

beforeAll(async () => {
  tmp = await tempDir('diff');
  const layout = tmp.layout;
  await craftImage(layout, 'a', {
    layers: [imageA],
    config: { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], User: 'root', ExposedPorts: { '80/tcp': {} }, WorkingDir: '/' },
    labels: { version: '1' },
  });
  await craftImage(layout, 'b', {
    layers: [
      imageA,
      [
        file('etc/os-release', 'VERSION=2\n'),
        file('etc/hosts', 'h', { mode: 0o600 }),
        file('app/main.js', 'console.log(12)'),
        whiteout('app/old.js'),
        file('app/new.js', 'abc'),
        symlink('bin/sh', 'busybox2'),
        file('var/lib/dpkg/status', dpkg([['curl', '7.1'], ['libc6', '2.36'], ['wget', '1.21']])),
        file('lib/apk/db/installed', apk([['musl', '1.2.4'], ['busybox', '1.36']])),
        file('package-lock.json', npmLock({ lodash: '4.17.21', express: '4.18.2' })),
      ],
    ],
    config: { Env: ['PATH=/bin', 'A=2'], Cmd: ['sh', '-c', 'run'], User: 'app', ExposedPorts: { '80/tcp': {}, '443/tcp': {} }, WorkingDir: '/' },
    labels: { version: '2' },
  });
  refA = `oci:${layout}:a`;
  refB = `oci:${layout}:b`;
});
afterAll(() => tmp.remove());

describe('diff', () => {
  it('finds exactly the crafted file changes, with size deltas', async () => {
    const result = await inspectCli('diff', '--type', 'file', '--format', 'json', refA, refB);
    expect(result.code, result.stderr).toBe(0);
    const { files } = JSON.parse(result.stdout);
    expect(files.added).toEqual([{ path: '/app/new.js', type: 'file', sizeBefore: 0, sizeAfter: 3, delta: 3 }]);
    expect(files.removed).toEqual([{ path: '/app/old.js', type: 'file', sizeBefore: 4, sizeAfter: 0, delta: -4 }]);
    const modified = Object.fromEntries(files.modified.map((c: { path: string; what: string[]; delta: number }) => [c.path, [c.what.join(','), c.delta]]));
    expect(Object.keys(modified).sort()).toEqual(['/app/main.js', '/bin/sh', '/etc/hosts', '/etc/os-release', '/lib/apk/db/installed', '/package-lock.json', '/var/lib/dpkg/status']);
    expect(modified['/app/main.js']).toEqual(['content', 1]);
    expect(modified['/etc/os-release']).toEqual(['content', 0]);
    expect(modified['/etc/hosts']).toEqual(['mode', 0]);
    expect(modified['/bin/sh']).toEqual(['link', 0]);
    expect(result.stdout).not.toContain('"config"');
  });

  it('finds the config differences', async () => {
    const result = await inspectCli('diff', '--type', 'config', '--format', 'json', refA, refB);
    const { config } = JSON.parse(result.stdout);
    expect(config).toEqual([
      { field: 'Env', before: ['PATH=/bin', 'A=1'], after: ['PATH=/bin', 'A=2'] },
      { field: 'Cmd', before: ['sh'], after: ['sh', '-c', 'run'] },
      { field: 'User', before: 'root', after: 'app' },
      { field: 'ExposedPorts', before: ['80/tcp'], after: ['443/tcp', '80/tcp'] },
      { field: 'Labels', before: { version: '1' }, after: { version: '2' } },
    ]);
  });

  it('finds the package changes of dpkg, apk and npm', async () => {
    const result = await inspectCli('diff', '--type', 'apt', '--type', 'apk', '--type', 'npm', '--format', 'json', refA, refB);
    const { packages, files } = JSON.parse(result.stdout);
    expect(files).toBeUndefined();
    expect(packages).toEqual([
      { manager: 'apt', added: [{ name: 'wget', version: '1.21', size: 10240 }], removed: [], changed: [{ name: 'curl', before: ['7.0'], after: ['7.1'] }] },
      { manager: 'apk', added: [{ name: 'busybox', version: '1.36', size: 4096 }], removed: [], changed: [] },
      {
        manager: 'npm',
        added: [{ name: 'express', version: '4.18.2' }],
        removed: [{ name: 'left', version: '1.0.0' }],
        changed: [{ name: 'lodash', before: ['4.17.20'], after: ['4.17.21'] }],
      },
    ]);
  });

  it('prints a table by default and nothing changed for an image against itself', async () => {
    const text = await inspectCli('diff', refA, refB);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^files: 1 added, 1 removed, 7 modified/);
    expect(text.stdout).toMatch(/~ curl 7\.0 -> 7\.1/);
    const same = await inspectCli('diff', '--format', 'json', refA, refA);
    const d = JSON.parse(same.stdout);
    expect([d.files.added, d.files.removed, d.files.modified, d.config]).toEqual([[], [], [], []]);
    expect(d.packages.every((p: { added: unknown[]; removed: unknown[]; changed: unknown[] }) => !p.added.length && !p.removed.length && !p.changed.length)).toBe(true);
  });
});
