import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNTIMES = ['runc', 'crun'] as const;
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'oci-pod.js');
const APPLETS = ['sh', 'echo', 'cat', 'ls', 'sleep', 'id', 'pwd', 'touch', 'ip', 'mkdir', 'grep', 'ps', 'wget', 'httpd', 'test', 'true', 'false', 'kill', 'hostname', 'tty', 'env', 'rm', 'stat', 'head'];

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `ocikit-pod-${prefix}-`));
}

/** A tiny root filesystem: static busybox, its applets, an app user. */
export async function busyboxRootfs(dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await mkdir(join(rootfs, 'www'), { recursive: true });
  await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'));
  await chmod(join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of APPLETS) await symlink('busybox', join(rootfs, 'bin', applet));
  await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n');
  await writeFile(join(rootfs, 'www/index.html'), 'hello from the pod\n');
  return rootfs;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built oci-pod CLI. */
export function ociPod(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export function sh(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** Traces a container could leave on the host: mounts, cgroups, named network namespaces. */
export function hostTraces(id: string, rootfs: string): string[] {
  const traces: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.includes(id) || line.includes(rootfs)) traces.push(`mount: ${line}`);
  }
  for (const base of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    for (const controller of existsSync(base) ? readdirSync(base) : []) {
      const path = join(base, controller, 'ocikit', id);
      if (existsSync(path)) traces.push(`cgroup: ${path}`);
    }
    if (existsSync(join(base, 'ocikit', id))) traces.push(`cgroup: ${join(base, 'ocikit', id)}`);
  }
  if (existsSync('/var/run/netns')) {
    for (const ns of readdirSync('/var/run/netns')) if (ns === `ocikit-${id.slice(0, 16)}`) traces.push(`netns: ${ns}`);
  }
  return traces;
}

/** Remove every pod and container of a runroot, whatever a failed test left running. */
export async function removeEverything(base: string[]): Promise<void> {
  const pods = await ociPod([...base, 'pod', 'ps', '--format', 'json']);
  for (const pod of (JSON.parse(pods.stdout || '[]') as Array<{ name: string }>)) await ociPod([...base, 'pod', 'rm', '-f', pod.name]);
  const ids = (await ociPod([...base, 'ps', '-a', '-q'])).stdout.split('\n').filter(Boolean);
  if (ids.length) await ociPod([...base, 'rm', '-f', ...ids]);
}

/** A temp dir holding a busybox rootfs, and the oci-pod flags of a runroot inside it for `runtime`. */
export async function busyboxRunroot(prefix: string, runtime: string): Promise<{ dir: string; rootfs: string; base: string[] }> {
  const dir = await tempDir(prefix);
  return { dir, rootfs: await busyboxRootfs(dir), base: ['--runroot', join(dir, 'run'), '--runtime', runtime] };
}

/** Remove what a suite's runroot still holds, then its temp dir. */
export async function dropRunroot(dir: string, base: string[]): Promise<void> {
  await removeEverything(base);
  await rm(dir, { recursive: true, force: true });
}
