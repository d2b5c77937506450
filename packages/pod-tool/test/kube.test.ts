import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { podSchemaProblems } from './kube-schema.js';
import { busyboxRunroot, dropRunroot, ociPod, RUNTIMES, sh } from './support.js';

describe('the Pod schema check', () => {
  it('rejects what Kubernetes would', () => {
    expect(podSchemaProblems({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: { containers: [{ name: 'c', image: 'i' }] } })).toEqual([]);
    const bad = podSchemaProblems({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'Not_Valid' },
      spec: { containers: [{ name: 'c', image: 'i', cmd: ['x'], ports: [{ containerPort: 70000 }], volumeMounts: [{ name: 'v', mountPath: '/v' }] }] },
    });
    expect(bad).toEqual([
      '$.metadata.name: must be a DNS-1123 name',
      '$.spec.containers[0].cmd: not a field of the Kubernetes schema here',
      '$.spec.containers[0].ports[0].containerPort: must be an integer in 1..65535',
      'volumeMount v: no such volume',
    ]);
  });
});

describe.each(RUNTIMES)('generate kube -> play kube with %s', (runtime) => {
  let dir: string;
  let rootfs: string;
  let base: string[];
  let hostData: string;

  beforeAll(async () => {
    ({ dir, rootfs, base } = await busyboxRunroot(`kube-${runtime}`, runtime));
    hostData = join(dir, 'data');
    await mkdir(hostData);
    await writeFile(join(hostData, 'note'), 'host data\n');
  });
  afterAll(() => dropRunroot(dir, base));

  it('round-trips a pod through Kubernetes YAML that fits the Pod schema', async () => {
    expect((await ociPod([...base, 'pod', 'create', '--name', 'kp', '--hostname', 'kphost'])).code).toBe(0);
    const web = await ociPod([
      ...base, 'run', '-d', '--pod', 'kp', '--name', 'kp-web', '-e', 'GREETING=hi there', '-w', '/www', '--read-only', '-u', '1000:1000',
      '--cap-drop', 'chown', '--memory', '64m', '--cpus', '0.5', '-v', `${hostData}:/data:ro`, '--security-opt', 'no-new-privileges',
      '--rootfs', rootfs, 'httpd', '-f', '-p', '8080', '-h', '/www',
    ]);
    expect(web.stderr).toBe('');
    const generated = await ociPod([...base, 'generate', 'kube', 'kp']);
    expect(generated.code).toBe(0);
    const pod = parse(generated.stdout) as Record<string, any>;
    expect(podSchemaProblems(pod)).toEqual([]);
    expect(pod.spec.containers).toEqual([
      {
        name: 'web',
        image: rootfs,
        command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
        workingDir: '/www',
        env: [{ name: 'GREETING', value: 'hi there' }],
        securityContext: { runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['CHOWN'] } },
        resources: { limits: { memory: String(64 * 1024 * 1024), cpu: '500m' } },
        volumeMounts: [{ name: 'web--data', mountPath: '/data', readOnly: true }],
      },
    ]);
    expect(pod.spec.hostname).toBe('kphost');
    const file = join(dir, 'kp.yaml');
    await writeFile(file, generated.stdout);

    expect((await ociPod([...base, 'pod', 'rm', '-f', 'kp'])).code).toBe(0);
    const played = await ociPod([...base, 'play', 'kube', file]);
    expect(played.stderr).toBe('');
    expect(played.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const check = await ociPod([...base, 'exec', 'kp-web', 'sh', '-c', 'echo "$GREETING"; pwd; id -u; cat /data/note; hostname; wget -qO- http://127.0.0.1:8080/index.html']);
    expect(check.stdout).toBe('hi there\n/www\n1000\nhost data\nkphost\nhello from the pod\n');
    const again = await ociPod([...base, 'generate', 'kube', 'kp']);
    expect(again.stdout).toBe(generated.stdout);
    expect((await ociPod([...base, 'play', 'kube', '--down', file])).code).toBe(0);
    expect((await ociPod([...base, 'ps', '-a', '-q'])).stdout).toBe('');
  });

  it('plays the pod template of a Deployment', async () => {
    const file = join(dir, 'deploy.yaml');
    await writeFile(file, [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: dep}', 'spec:', '  replicas: 1', '  template:',
      '    metadata: {name: dep, annotations: {io.ocikit.rootfs/one: "true"}}', '    spec:', '      containers:', `      - {name: one, image: ${rootfs}, command: [sleep, "30"]}`,
      '---', 'apiVersion: v1', 'kind: Service', 'metadata: {name: ignored}', '',
    ].join('\n'));
    const played = await ociPod([...base, 'play', 'kube', file]);
    expect(played.stderr).toBe('');
    const ps = JSON.parse((await ociPod([...base, 'ps', '--format', 'json'])).stdout) as Array<{ name: string; pod: string }>;
    expect(ps.map((c) => [c.name, c.pod])).toEqual([['dep-one', 'dep']]);
    expect((await ociPod([...base, 'play', 'kube', '--down', file])).code).toBe(0);
  });

  it('writes a systemd unit whose ExecStart runs the container in the foreground', async () => {
    const created = await ociPod([...base, 'run', '--name', 'unit-ctr', '-e', 'WHO=unit', '--rootfs', rootfs, 'sh', '-c', 'env | grep ^WHO=; exit 4']);
    expect(created.code).toBe(4);
    const unit = await ociPod([...base, 'generate', 'systemd', 'unit-ctr']);
    expect(unit.stdout).toContain('[Service]');
    expect(unit.stdout).toContain('WantedBy=default.target');
    const execStart = unit.stdout.split('\n').find((l) => l.startsWith('ExecStart='))!.slice('ExecStart='.length);
    expect(execStart).toContain('run --rm --name unit-ctr');
    expect((await ociPod([...base, 'rm', 'unit-ctr'])).code).toBe(0);
    // Without $ or % in them, systemd's quoting of these arguments is also the shell's.
    const out = await sh(`${execStart}; echo "exit=$?"`);
    expect(out).toBe('WHO=unit\nexit=4\n');
    expect((await ociPod([...base, 'ps', '-a', '-q'])).stdout).toBe('');
  });
});
