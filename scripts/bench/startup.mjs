#!/usr/bin/env node
// Start-up cost of the oci-image CLI next to bare Node and the reference
// tools, on the same fixture layout in the same run.
//   node scripts/bench/startup.mjs [--runs 15]
// Prints the median (and min) wall time and the median CPU time (10 ms
// resolution) of each command, their ratios to bare `node -e 0`, and
// oci-image's ratio to skopeo and umoci.
import { spawnSync } from 'node:child_process';
import { interleavedRuns, numberFlag, REPO, requireBuilt } from './lib/harness.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const repo = REPO;
const RUNS = numberFlag('--runs', 15);
const WARMUP = 2;

const cli = path.join(repo, 'packages', 'oci-image', 'bin', 'oci-image.js');
requireBuilt('oci-image');

const { buildFixtures } = await import(pathToFileURL(path.join(repo, 'test-fixtures', 'build.mjs')).href);
const work = mkdtempSync(path.join(os.tmpdir(), 'ocikit-bench-startup-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const fx = await buildFixtures(work, ['busybox']);
const layout = fx.busybox.layout;
const tag = fx.busybox.tag;

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

const cases = [
  { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  { name: 'oci-image --help', argv: [process.execPath, cli, '--help'] },
  { name: 'oci-image manifest oci:LAYOUT:TAG', argv: [process.execPath, cli, 'manifest', `oci:${layout}:${tag}`] },
  { name: 'oci-image config oci:LAYOUT:TAG', argv: [process.execPath, cli, 'config', `oci:${layout}:${tag}`] },
  { name: 'oci-image ls LAYOUT', argv: [process.execPath, cli, 'ls', layout] },
  { name: 'skopeo inspect --raw oci:LAYOUT:TAG', argv: ['skopeo', 'inspect', '--raw', `oci:${layout}:${tag}`], tool: 'skopeo' },
  { name: 'skopeo inspect --config --raw oci:LAYOUT:TAG', argv: ['skopeo', 'inspect', '--config', '--raw', `oci:${layout}:${tag}`], tool: 'skopeo' },
  { name: 'umoci stat --image LAYOUT:TAG', argv: ['umoci', 'stat', '--image', `${layout}:${tag}`], tool: 'umoci' },
  { name: 'umoci ls --layout LAYOUT', argv: ['umoci', 'ls', '--layout', layout], tool: 'umoci' },
];

// The other CLIs' --help: each should load only what it needs.
const OTHER_CLIS = { 'registry-client': 'oci-registry', storage: 'oci-storage', 'pod-tool': 'oci-pod', 'build-tool': 'oci-build', 'inspect-tool': 'oci-inspect' };
for (const [pkg, bin] of Object.entries(OTHER_CLIS)) {
  cases.push({ name: `${bin} --help`, argv: [process.execPath, path.join(repo, 'packages', pkg, 'bin', `${bin}.js`), '--help'] });
}

const available = cases.filter((c) => {
  if (!c.tool || which(c.tool)) return true;
  console.error(`skipping ${c.name}: ${c.tool} is not installed`);
  return false;
});
const results = interleavedRuns(available, { runs: RUNS, warmup: WARMUP, dropFailures: true });

const baseline = results.get('node -e 0')?.median;
const cpuBaseline = results.get('node -e 0')?.cpu;
const width = Math.max(...cases.map((c) => c.name.length));
console.log(`start-up, ${RUNS} interleaved runs each (after ${WARMUP} warm-up), wall time in ms; node ${process.version}, ${os.cpus().length} cores`);
console.log(`${'command'.padEnd(width)}  median     min  x node   cpu  x node`);
for (const [name, { median: med, min, cpu }] of results) {
  const ratio = baseline ? (med / baseline).toFixed(2) : '-';
  // GNU time counts in 10 ms steps: below that there is no figure to divide.
  const cpuText = Number.isNaN(cpu) ? '-' : cpu === 0 ? '<10' : cpu.toFixed(0);
  const cpuRatio = cpuBaseline && cpu > 0 ? (cpu / cpuBaseline).toFixed(2) : '-';
  console.log(
    `${name.padEnd(width)}  ${med.toFixed(1).padStart(6)}  ${min.toFixed(1).padStart(6)}  ${ratio.padStart(6)}  ${cpuText.padStart(4)}  ${cpuRatio.padStart(6)}`,
  );
}

const compare = (ours, theirs) => {
  const a = results.get(ours);
  const b = results.get(theirs);
  if (a && b) console.log(`${ours}  vs  ${theirs}: ${(a.median / b.median).toFixed(2)}x`);
};
console.log('');
compare('oci-image manifest oci:LAYOUT:TAG', 'skopeo inspect --raw oci:LAYOUT:TAG');
compare('oci-image config oci:LAYOUT:TAG', 'skopeo inspect --config --raw oci:LAYOUT:TAG');
compare('oci-image manifest oci:LAYOUT:TAG', 'umoci stat --image LAYOUT:TAG');
compare('oci-image ls LAYOUT', 'umoci ls --layout LAYOUT');
compare('oci-image --help', 'node -e 0');
