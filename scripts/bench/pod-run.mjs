#!/usr/bin/env node
// Start-up cost of running a container: `oci-pod run --rm IMAGE true` against
// `podman run --rm --network none` (same runtime, runc; explicit --ulimit values, as podman's defaults
// for NOFILE and NPROC are above the hard limits here), a bare `runc run` of a
// prepared bundle, and bare `node -e 0`, taking turns so that a shared machine's load weighs on all
// alike. Prints medians and ratios (and, where NODE_EXTRA_CA_CERTS is set, labelled lines without it).
//   node scripts/bench/pod-run.mjs [ITERATIONS]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { interleavedRuns } from './lib/harness.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const iterations = Number(process.argv[2] ?? 15);
// Lower case only: podman names an oci: image after its path.
const work = join(tmpdir(), `ocikit-bench-pod-${process.pid}`);
mkdirSync(work);
const ociPod = [process.execPath, join(root, 'packages/pod-tool/bin/oci-pod.js'), '--runroot', join(work, 'run'), '--root', join(work, 'store')];

function which(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
}

try {
  // The busybox test image, as an OCI layout, pulled into each tool's store first.
  const fx = JSON.parse(execFileSync(process.execPath, [join(root, 'test-fixtures/build.mjs'), join(work, 'fixtures'), 'busybox'], { encoding: 'utf8' }));
  const ref = fx.busybox.ref;
  const pulled = execFileSync(ociPod[0], [...ociPod.slice(1), 'pull', ref], { encoding: 'utf8' }).trim();
  const image = pulled.split('sha256:')[1].slice(0, 12);

  // A bare runc bundle: the same rootfs, runc's own default spec made non-interactive.
  const bundle = join(work, 'bundle');
  execFileSync(ociPod[0], [...ociPod.slice(1), 'run', '-d', '--name', 'src', image, 'sleep', '60']);
  const inspect = JSON.parse(execFileSync(ociPod[0], [...ociPod.slice(1), 'inspect', 'src'], { encoding: 'utf8' }))[0];
  execFileSync('mkdir', ['-p', bundle]);
  execFileSync('cp', ['-a', inspect.rootfs, join(bundle, 'rootfs')]);
  execFileSync(ociPod[0], [...ociPod.slice(1), 'rm', '-f', 'src']);
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(execFileSync('cat', [join(bundle, 'config.json')], { encoding: 'utf8' }));
  spec.process.terminal = false;
  spec.process.args = ['true'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));

  const commands = [
    { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { name: 'runc run (bundle)', argv: ['sh', '-c', `runc --root ${join(work, 'runc')} run --bundle ${bundle} b$$-$RANDOM`] },
    { name: 'oci-pod run --rm IMAGE true', argv: [...ociPod, 'run', '--rm', image, 'true'] },
    { name: 'oci-pod run --rm --rootfs DIR true', argv: [...ociPod, 'run', '--rm', '--rootfs', join(bundle, 'rootfs'), 'true'] },
  ];
  const podman = which('podman');
  if (podman) {
    const pm = ['podman', '--root', join(work, 'podman'), '--runroot', join(work, 'podman-run'), '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
    const podmanImage = execFileSync(pm[0], [...pm.slice(1), 'pull', '-q', ref], { encoding: 'utf8' }).trim().split('\n').pop();
    commands.push({ name: 'podman run --rm --network none', argv: [...pm, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', podmanImage, 'true'] });
  }
  // This environment sets NODE_EXTRA_CA_CERTS, which costs ~45 ms of every Node start. The figures
  // are as a user here gets them; labelled extra lines show Node and oci-pod with it unset.
  const extraCa = Boolean(process.env.NODE_EXTRA_CA_CERTS);
  if (extraCa) {
    const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
    commands.push({ name: 'node -e 0 (unset)', argv: [process.execPath, '-e', '0'], options: { env } });
    commands.push({ name: 'oci-pod run --rm IMAGE true (unset)', argv: [...ociPod, 'run', '--rm', image, 'true'], options: { env } });
  }
  // Taking turns, after one warm-up round; CPU time (user+sys of the whole process tree, from GNU
  // time) tells the cost apart from a busy machine's queueing.
  const timed = [...interleavedRuns(commands, { runs: iterations, warmup: 1 })].map(([label, r]) => ({ label, ...r }));
  const results = timed.filter((r) => !r.label.endsWith('(unset)'));
  const noCa = timed.filter((r) => r.label.endsWith('(unset)'));
  const by = Object.fromEntries(results.map((r) => [r.label, r.median]));
  console.log(`iterations: ${iterations}; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cpus`);
  console.log(`${''.padEnd(36)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'cpu ms'.padStart(8)}`);
  for (const r of results) console.log(`${r.label.padEnd(36)} ${r.median.toFixed(1).padStart(8)} ${r.min.toFixed(1).padStart(8)} ${r.cpu.toFixed(0).padStart(8)}`);
  const ours = by['oci-pod run --rm IMAGE true'];
  const floor = by['node -e 0'] + by['runc run (bundle)'];
  console.log(`oci-pod / (node + runc):             ${(ours / floor).toFixed(2)}x  (+${(ours - floor).toFixed(1)} ms; goal <= +60 ms)`);
  if (by['podman run --rm --network none']) console.log(`oci-pod / podman:                    ${(ours / by['podman run --rm --network none']).toFixed(2)}x  (goal < 1)`);
  else console.log('podman: not installed (apt-get install podman)');
  if (noCa.length) {
    console.log('-- with NODE_EXTRA_CA_CERTS unset (not what a user here gets; for comparison only):');
    for (const r of noCa) console.log(`${r.label.padEnd(36)} ${r.median.toFixed(1).padStart(8)} ${r.min.toFixed(1).padStart(8)} ${r.cpu.toFixed(0).padStart(8)}`);
    const [node, pod] = noCa.map((r) => r.median);
    const floorNoCa = node + by['runc run (bundle)'];
    console.log(`oci-pod / (node + runc), unset:     ${(pod / floorNoCa).toFixed(2)}x  (+${(pod - floorNoCa).toFixed(1)} ms)`);
    if (by['podman run --rm --network none']) console.log(`oci-pod / podman, unset:            ${(pod / by['podman run --rm --network none']).toFixed(2)}x`);
  }
} catch (error) {
  console.error(`bench failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  // podman leaves its storage mounted; our store is clean after --rm, but be sure.
  spawnSync('sh', ['-c', `grep ' ${work}' /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r umount`]);
  rmSync(work, { recursive: true, force: true });
}
