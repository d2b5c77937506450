import { describe, expect, it } from 'vitest';
import { diffPackages, parseApkInstalled, parseDpkgStatus, parseNpmLock } from './packages.js';

describe('package databases', () => {
  it('reads dpkg status, keeping only installed packages', () => {
    const text = 'Package: a\nStatus: install ok installed\nInstalled-Size: 2\nVersion: 1.0\nDescription: x\n more\n\nPackage: b\nStatus: deinstall ok config-files\nVersion: 2\n';
    expect(parseDpkgStatus(text)).toEqual([{ name: 'a', version: '1.0', size: 2048 }]);
  });

  it('reads apk installed', () => {
    expect(parseApkInstalled('P:musl\nV:1.2\nI:100\n\nP:busybox\nV:1.36\n')).toEqual([
      { name: 'musl', version: '1.2', size: 100 },
      { name: 'busybox', version: '1.36' },
    ]);
  });

  it('reads npm lockfiles v1 and v3 (nested and scoped packages)', () => {
    const v3 = JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/@s/a': { version: '1.0.0' }, 'node_modules/x/node_modules/y': { version: '2.0.0' }, 'node_modules/l': { link: true } } });
    expect(parseNpmLock(v3)).toEqual([{ name: '@s/a', version: '1.0.0' }, { name: 'y', version: '2.0.0' }]);
    const v1 = JSON.stringify({ lockfileVersion: 1, dependencies: { a: { version: '1', dependencies: { b: { version: '2' } } } } });
    expect(parseNpmLock(v1)).toEqual([{ name: 'a', version: '1' }, { name: 'b', version: '2' }]);
    expect(parseNpmLock('not json')).toEqual([]);
  });

  it('diffs by name, with several versions of one name', () => {
    const d = diffPackages('npm', [{ name: 'a', version: '1' }, { name: 'a', version: '2' }, { name: 'gone', version: '1' }], [{ name: 'a', version: '2' }, { name: 'new', version: '3' }]);
    expect(d).toEqual({ manager: 'npm', added: [{ name: 'new', version: '3' }], removed: [{ name: 'gone', version: '1' }], changed: [{ name: 'a', before: ['1', '2'], after: ['2'] }] });
  });
});
