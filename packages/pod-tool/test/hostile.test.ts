import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, ociPod, RUNTIMES, tempDir, removeEverything } from './support.js';

/** Images that try to reach the host through symlinks must not get there. */
describe.each(RUNTIMES)('hostile images with %s', (runtime) => {
  let dir: string;
  let base: string[];
  let victim: string;

  beforeAll(async () => {
    dir = await tempDir(`hostile-${runtime}`);
    base = ['--runroot', join(dir, 'run'), '--runtime', runtime];
    victim = join(dir, 'host-victim');
    await mkdir(victim);
  });
  afterAll(async () => {
    await removeEverything(base);
    await rm(dir, { recursive: true, force: true });
  });

  for (const target of ['dev', 'proc', 'sys']) {
    it(`refuses a rootfs whose /${target} is a symlink out, leaving the host untouched`, async () => {
      const rootfs = await busyboxRootfs(join(dir, `link-${target}`));
      await rm(join(rootfs, target), { recursive: true, force: true });
      await symlink(victim, join(rootfs, target));
      const result = await ociPod([...base, 'run', '--rm', '--rootfs', rootfs, 'true']);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('ERR_POD_UNSAFE_ROOTFS');
      expect(readdirSync(victim)).toEqual([]);
      expect(existsSync(join(rootfs, victim))).toBe(false);
    });
  }

  it('keeps symlinks that point out of the rootfs inside it (writes, bind destinations, workdir)', async () => {
    const rootfs = await busyboxRootfs(join(dir, 'escape'));
    await symlink('/', join(rootfs, 'up'));
    await symlink(victim, join(rootfs, 'out'));
    await symlink('../../../../../..', join(rootfs, 'dots'));
    const source = join(dir, 'bind-source');
    await mkdir(source);
    await writeFile(join(source, 'f'), 'bound\n');
    const result = await ociPod([
      ...base, 'run', '--rm', '-v', `${source}:/out/bound`, '-w', '/dots/tmp', '--rootfs', rootfs,
      'sh', '-c', `mkdir -p /out && echo pwned > /out/pwned; echo up > /up/tmp/up; cat ${victim}/bound/f; pwd`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('bound\n/tmp\n');
    // Everything landed inside the rootfs; the host directory is untouched.
    expect(readdirSync(victim)).toEqual([]);
    expect(await readFile(join(rootfs, victim, 'pwned'), 'utf8')).toBe('pwned\n');
    expect(await readFile(join(rootfs, 'tmp/up'), 'utf8')).toBe('up\n');
  });

  it('resolves user names in the image, never through a passwd symlinked to a host file', async () => {
    const rootfs = await busyboxRootfs(join(dir, 'passwd'));
    const hostAccounts = join(dir, 'host-passwd');
    await writeFile(hostAccounts, 'evil:x:666:666::/:/bin/sh\n');
    await rm(join(rootfs, 'etc/passwd'));
    await symlink(hostAccounts, join(rootfs, 'etc/passwd'));
    const result = await ociPod([...base, 'run', '--rm', '-u', 'evil', '--rootfs', rootfs, 'id']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ERR_OCI_CONVERSION: user "evil" not found/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('bad input', () => {
  let dir: string;
  let rootfs: string;
  let base: string[];

  beforeAll(async () => {
    dir = await tempDir('bad-input');
    rootfs = await busyboxRootfs(dir);
    base = ['--runroot', join(dir, 'run')];
  });
  afterAll(async () => {
    await removeEverything(base);
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string[], number, RegExp]> = [
    ['bad memory value', ['run', '--memory', 'lots', '--rootfs', 'ROOTFS', 'true'], 2, /--memory: invalid size/],
    ['bad network mode', ['run', '--network', 'wormhole', '--rootfs', 'ROOTFS', 'true'], 2, /unknown mode/],
    ['bad volume', ['run', '-v', 'relative:/x', '--rootfs', 'ROOTFS', 'true'], 2, /host path must be absolute/],
    ['bad ulimit', ['run', '--ulimit', 'nofile=1:99999999', '--rootfs', 'ROOTFS', 'true'], 1, /ERR_POD_ULIMIT/],
    ['unknown flag', ['run', '--frobnicate', '--rootfs', 'ROOTFS', 'true'], 2, /ERR_OCI_USAGE/],
    ['missing runtime', ['--runtime', 'no-such-runtime', 'run', '--rootfs', 'ROOTFS', 'true'], 1, /ERR_POD_RUNTIME_NOT_FOUND/],
    ['missing rootfs', ['run', '--rootfs', '/nonexistent-rootfs', 'true'], 1, /ERR_POD_NO_ROOTFS/],
    ['unknown image', ['run', 'oci:/nonexistent-layout:latest', 'true'], 1, /ERR_/],
    ['unknown container', ['stop', 'no-such-container'], 1, /ERR_POD_NO_SUCH_CONTAINER/],
    ['-p without bridge', ['run', '-p', '8080:80', '--rootfs', 'ROOTFS', 'true'], 1, /-p needs --network bridge/],
    ['unknown command', ['run', '--rm', '--rootfs', 'ROOTFS', '/bin/nope'], 1, /ERR_POD_RUNTIME/],
  ];
  it.each(cases)('%s: one line and a non-zero exit', async (_name, args, code, pattern) => {
    const result = await ociPod([...base, ...args.map((a) => (a === 'ROOTFS' ? rootfs : a))]);
    expect(result.code).toBe(code);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(pattern);
    expect(lines.filter((l) => l.startsWith('oci-pod:'))).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
