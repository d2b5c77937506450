import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRunroot, dropRunroot, hostTraces, ociPod, RUNTIMES, sh } from './support.js';

describe.each(RUNTIMES)('oci-pod run with %s', (runtime) => {
  let dir: string;
  let rootfs: string;
  let base: string[];
  const runCmd = (flags: string[], command: string) => ociPod([...base, 'run', '--rm', ...flags, '--rootfs', rootfs, 'sh', '-c', command]);

  beforeAll(async () => {
    ({ dir, rootfs, base } = await busyboxRunroot(`run-${runtime}`, runtime));
  });
  afterAll(() => dropRunroot(dir, base));

  it('returns the exit code and keeps stdout and stderr apart', async () => {
    const result = await runCmd([], 'echo out; echo err >&2; exit 5');
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect((await runCmd([], 'true')).code).toBe(0);
  });

  it('sets env, env files, workdir and user', async () => {
    const envFile = join(dir, 'env');
    await writeFile(envFile, '# comment\nFROM_FILE=yes\nA=file\n');
    const result = await runCmd(['-e', 'A=flag', '--env-file', envFile, '-w', '/tmp', '-u', 'app'], 'echo "$A $FROM_FILE"; pwd; id');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('flag yes\n/tmp\nuid=1000(app) gid=1000(app) groups=50(staff)\n');
    const numeric = await runCmd(['-u', '4242:4343'], 'id -u; id -g');
    expect(numeric.stdout).toBe('4242\n4343\n');
  });

  it('bind mounts read-write and read-only, and mounts tmpfs', async () => {
    const host = join(dir, 'shared');
    await mkdir(host, { recursive: true });
    await writeFile(join(host, 'in.txt'), 'from host\n');
    const rw = await runCmd(['-v', `${host}:/data`], 'cat /data/in.txt; echo written > /data/out.txt');
    expect(rw.stdout).toBe('from host\n');
    expect(await readFile(join(host, 'out.txt'), 'utf8')).toBe('written\n');
    const ro = await runCmd(['-v', `${host}:/data:ro`], 'echo no > /data/ro.txt');
    expect(ro.code).not.toBe(0);
    const tmpfs = await runCmd(['--mount', 'type=tmpfs,target=/scratch'], 'grep " /scratch " /proc/mounts');
    expect(tmpfs.stdout).toMatch(/^tmpfs \/scratch tmpfs/);
  });

  it('keeps the root filesystem read-only with --read-only, with a writable /tmp', async () => {
    const result = await runCmd(['--read-only'], 'touch /rootfile 2>/dev/null && echo wrote-root; touch /tmp/ok && echo wrote-tmp');
    expect(result.stdout).toBe('wrote-tmp\n');
  });

  it('gives --network none only a loopback interface', async () => {
    const result = await runCmd(['--network', 'none'], 'ip -o link | cut -d: -f2 2>/dev/null || ip -o link');
    const names = result.stdout.split('\n').filter(Boolean).map((l) => l.split(':')[1]?.trim() ?? l.trim());
    expect(names).toEqual(['lo']);
  });

  it('applies safe defaults: capabilities, masked /proc, rlimits within the caller hard limit', async () => {
    const result = await runCmd([], 'grep CapBnd /proc/self/status; cat /proc/kcore | head -c 1 | wc -c; ulimit -Hn; echo x > /proc/sysrq-trigger 2>/dev/null || echo ro-sysrq');
    const [capLine, kcore, nofile, sysrq] = result.stdout.trim().split('\n');
    expect(capLine).toBe('CapBnd:\t00000000800405fb');
    expect(kcore?.trim()).toBe('0');
    const callerHard = Number((await readFile('/proc/self/limits', 'utf8')).match(/Max open files\s+\d+\s+(\d+)/)?.[1]);
    expect(Number(nofile)).toBeLessThanOrEqual(callerHard);
    expect(sysrq).toBe('ro-sysrq');
    const dropped = await runCmd(['--cap-drop', 'all', '--cap-add', 'net_raw', '--ulimit', 'nofile=100:200'], 'grep CapBnd /proc/self/status; ulimit -n; ulimit -Hn');
    expect(dropped.stdout).toBe('CapBnd:\t0000000000002000\n100\n200\n');
  });

  it('runs catatonit as pid 1 with --init and sets the hostname', async () => {
    const result = await runCmd(['--init', '--hostname', 'box1'], 'cat /proc/1/cmdline | tr "\\0" " "; echo; hostname');
    expect(result.stdout).toBe('/run/ocikit-init -- sh -c cat /proc/1/cmdline | tr "\\0" " "; echo; hostname \nbox1\n');
  });

  it('runs detached: logs, exec, stop with the stop signal, rm leaves nothing behind', async () => {
    const started = await ociPod([...base, 'run', '-d', '--name', 'svc', '--rootfs', rootfs, 'sh', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; echo warn >&2; while true; do sleep 0.1; done']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ps = await ociPod([...base, 'ps', '--format', 'json']);
    expect(JSON.parse(ps.stdout)).toMatchObject([{ id, name: 'svc', status: 'running' }]);
    const exec = await ociPod([...base, 'exec', '-e', 'X=1', 'svc', 'sh', '-c', 'echo exec $X; exit 3']);
    expect(exec).toMatchObject({ code: 3, stdout: 'exec 1\n' });
    const stop = await ociPod([...base, 'stop', '-t', '5', 'svc']);
    expect(stop.code).toBe(0);
    expect((await ociPod([...base, 'wait', 'svc'])).stdout).toBe('7\n');
    const logs = await ociPod([...base, 'logs', 'svc']);
    expect(logs.stdout).toBe('ready\ngot-term\n');
    expect(logs.stderr).toBe('warn\n');
    expect((await ociPod([...base, 'rm', 'svc'])).code).toBe(0);
    expect(hostTraces(id, join(dir, 'run'))).toEqual([]);
    expect((await ociPod([...base, 'ps', '-a', '-q'])).stdout).toBe('');
  });

  it('follows the log of a running container until it ends', async () => {
    const started = await ociPod([...base, 'run', '-d', '--name', 'talker', '--rootfs', rootfs, 'sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.1; done; echo bye >&2']);
    expect(started.code).toBe(0);
    const followed = await ociPod([...base, 'logs', '-f', 'talker']);
    expect(followed.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(followed.stderr).toBe('bye\n');
    expect((await ociPod([...base, 'logs', '--tail', '2', 'talker'])).stdout).toBe('line 5\n');
    expect((await ociPod([...base, 'rm', 'talker'])).code).toBe(0);
  });

  it('removes a detached --rm container once it ends', async () => {
    const started = await ociPod([...base, 'run', '-d', '--rm', '--name', 'brief', '--rootfs', rootfs, 'sh', '-c', 'sleep 0.2']);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    let left = 'brief';
    for (let i = 0; i < 100 && left; i++) {
      await new Promise((r) => setTimeout(r, 50));
      left = (await ociPod([...base, 'ps', '-a', '-q'])).stdout.trim();
    }
    expect(left).toBe('');
    expect(hostTraces(id, join(dir, 'run'))).toEqual([]);
  });

  it('kills with SIGKILL when the stop timeout passes', async () => {
    const started = await ociPod([...base, 'run', '-d', '--name', 'stubborn', '--rootfs', rootfs, 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done']);
    expect(started.code).toBe(0);
    const t0 = Date.now();
    await ociPod([...base, 'stop', '-t', '1', 'stubborn']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect((await ociPod([...base, 'wait', 'stubborn'])).stdout).toBe('137\n');
    const busy = await ociPod([...base, 'run', '-d', '--name', 'busy', '--rootfs', rootfs, 'sleep', '100']);
    expect((await ociPod([...base, 'rm', 'busy'])).code).toBe(1);
    expect((await ociPod([...base, 'rm', '-f', 'busy', 'stubborn'])).code).toBe(0);
    expect(hostTraces(busy.stdout.trim(), join(dir, 'run'))).toEqual([]);
  });

  it('applies --memory, --pids-limit and --cpus to the cgroup, and --entrypoint', async () => {
    const result = await ociPod([...base, 'run', '--rm', '--memory', '64m', '--pids-limit', '50', '--cpus', '0.5', '--entrypoint', '["/bin/sh","-c"]', '--rootfs', rootfs,
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us']);
    expect(result.stdout).toBe('67108864\n50\n50000\n');
  });

  it('keeps a detached -t container\'s terminal output in its log', async () => {
    const started = await ociPod([...base, 'run', '-d', '-t', '--name', 'ttyd', '--rootfs', rootfs, 'sh', '-c', 'tty; test -t 1 && echo out-is-tty; sleep 0.3']);
    expect(started.code).toBe(0);
    expect((await ociPod([...base, 'wait', 'ttyd'])).stdout).toBe('0\n');
    const logs = await ociPod([...base, 'logs', 'ttyd']);
    expect(logs.stdout.replace(/\^@|[\r\0]/g, '')).toContain('/dev/pts/0\nout-is-tty\n');
    expect((await ociPod([...base, 'rm', 'ttyd'])).code).toBe(0);
  });

  it('starts a stopped container again and kills with a chosen signal', async () => {
    const started = await ociPod([...base, 'run', '-d', '--name', 'again', '--rootfs', rootfs, 'sh', '-c', 'echo run; trap "exit 12" USR1; while true; do sleep 0.1; done']);
    expect(started.code).toBe(0);
    expect((await ociPod([...base, 'kill', '-s', 'USR1', 'again'])).code).toBe(0);
    expect((await ociPod([...base, 'wait', 'again'])).stdout).toBe('12\n');
    expect((await ociPod([...base, 'start', 'again'])).code).toBe(0);
    const ps = JSON.parse((await ociPod([...base, 'ps', '--format', 'json'])).stdout) as Array<{ name: string; status: string }>;
    expect(ps).toMatchObject([{ name: 'again', status: 'running' }]);
    expect((await ociPod([...base, 'kill', 'again'])).code).toBe(0);
    expect((await ociPod([...base, 'wait', 'again'])).stdout).toBe('137\n');
    expect((await ociPod([...base, 'logs', 'again'])).stdout).toBe('run\nrun\n');
    expect((await ociPod([...base, 'kill', 'again'])).code).toBe(1);
    expect((await ociPod([...base, 'rm', 'again'])).code).toBe(0);
  });

  it('shares the host network with --network host', async () => {
    // Other tests add and remove veth pairs meanwhile: compare the interfaces that stay.
    const names = (text: string) => text.split('\n').filter(Boolean).map((l) => l.split(':')[1]!.trim().split('@')[0]!);
    const before = names(await sh('ip -o link'));
    const inside = names((await runCmd(['--network', 'host'], 'ip -o link')).stdout);
    const after = names(await sh('ip -o link'));
    const stable = before.filter((n) => after.includes(n) && !n.startsWith('veth'));
    expect(stable.length).toBeGreaterThan(1);
    expect(inside).toEqual(expect.arrayContaining(stable));
  });

  it('forwards signals it receives to the container of a foreground run', async () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'oci-pod.js');
    const child = spawn(process.execPath, [bin, ...base, 'run', '--rm', '--rootfs', rootfs, 'sh', '-c', 'trap "echo got-term; exit 42" TERM; echo ready; while true; do sleep 0.1; done'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready') && !sent) sent = child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(out).toBe('ready\ngot-term\n');
    expect(code).toBe(42);
  });

  it('passes stdin with -i and nothing without it', async () => {
    const withI = await ociPod([...base, 'run', '--rm', '-i', '--rootfs', rootfs, 'sh', '-c', 'cat; echo done'], { input: 'piped in\n' });
    expect(withI.stdout).toBe('piped in\ndone\n');
    const withoutI = await ociPod([...base, 'run', '--rm', '--rootfs', rootfs, 'sh', '-c', 'cat; echo done'], { input: 'ignored\n' });
    expect(withoutI.stdout).toBe('done\n');
  });

  it('hands socket-activation fds (LISTEN_FDS) on to the container', async () => {
    const out = join(dir, 'activation.txt');
    const bin = join(import.meta.dirname, '..', 'bin', 'oci-pod.js');
    // exec keeps the pid, so LISTEN_PID names the CLI as systemd would.
    const script = `exec 3>${out}; LISTEN_PID=\$\$ LISTEN_FDS=1 exec ${process.execPath} ${bin} ${base.join(' ')} run --rm --rootfs ${rootfs} sh -c 'echo "fds=\$LISTEN_FDS pid=\$LISTEN_PID" >&3'`;
    await sh(script);
    expect(await readFile(out, 'utf8')).toBe('fds=1 pid=1\n');
  });

  it('gives a terminal with -t', async () => {
    // script(1) gives the CLI a terminal as a user's shell would. The sleep lets the runtime copy
    // the last output off the pty before the container ends (it may drop it when busy).
    const out = await sh(`script -qec "${process.execPath} ${join(import.meta.dirname, '..', 'bin', 'oci-pod.js')} ${base.join(' ')} run --rm -t --rootfs ${rootfs} sh -c 'tty; test -t 0 && echo stdin-tty; sleep 0.3'" /dev/null </dev/null`);
    // The runtimes write a stray NUL into the terminal at times (echoed as ^@); the lines are what matter.
    expect(out.replace(/\^@|[\r\0]/g, '')).toContain('/dev/pts/0\nstdin-tty\n');
  });
});
