#!/usr/bin/env node
// Start-up of `oci-inspect inspect` next to bare Node and `skopeo inspect`,
// on the same image, local (oci:) and remote (docker:// on a docker-registry
// at 127.0.0.1), in one run. Goal: a remote inspect no more than ~40 ms above
// `node -e 0`.
//   node scripts/bench/inspect-startup.mjs [--runs 15]
// Needs: pnpm build, skopeo, docker-registry. Prints medians, CPU time and ratios.
import { spawnSync } from 'node:child_process';
import { interleavedRuns, numberFlag, REPO, requireBuilt, startRegistry } from './lib/harness.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const repo = REPO;
const RUNS = numberFlag('--runs', 15);
const WARMUP = 2;
const cli = path.join(repo, 'packages', 'inspect-tool', 'bin', 'oci-inspect.js');
requireBuilt('inspect-tool');

const work = mkdtempSync(path.join(os.tmpdir(), 'ocikit-bench-inspect-'));
let registry;
process.on('exit', () => {
  registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

const { buildFixtures } = await import(pathToFileURL(path.join(repo, 'test-fixtures', 'build.mjs')).href);
const fx = await buildFixtures(path.join(work, 'fixtures'), ['multilayer']);
const local = `oci:${fx.multilayer.layout}:${fx.multilayer.tag}`;

registry = await startRegistry(work);
const host = registry.host;
const remote = `docker://${host}/bench/multilayer:1`;
const pushed = spawnSync('skopeo', ['copy', '--dest-tls-verify=false', local, remote], { encoding: 'utf8' });
if (pushed.status !== 0) throw new Error(`skopeo copy failed: ${pushed.stderr}`);

const cases = [
  { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  { name: 'oci-inspect inspect docker://', argv: [process.execPath, cli, 'inspect', '--tls-verify=false', remote] },
  { name: 'skopeo inspect docker://', argv: ['skopeo', 'inspect', '--tls-verify=false', remote] },
  { name: 'oci-inspect inspect --raw docker://', argv: [process.execPath, cli, 'inspect', '--raw', '--tls-verify=false', remote] },
  { name: 'skopeo inspect --raw docker://', argv: ['skopeo', 'inspect', '--raw', '--tls-verify=false', remote] },
  { name: 'oci-inspect inspect oci:', argv: [process.execPath, cli, 'inspect', local] },
  { name: 'skopeo inspect oci:', argv: ['skopeo', 'inspect', local] },
  { name: 'oci-inspect --help', argv: [process.execPath, cli, '--help'] },
];

const stats = interleavedRuns(cases, { runs: RUNS, warmup: WARMUP });
const node = stats.get('node -e 0');
const width = Math.max(...cases.map((c) => c.name.length));
console.log(`inspect start-up, ${RUNS} interleaved runs (after ${WARMUP} warm-up); wall ms; node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
console.log(`${'command'.padEnd(width)}  median     min  +node ms  x node  cpu ms`);
for (const [name, s] of stats) {
  console.log(`${name.padEnd(width)}  ${s.median.toFixed(1).padStart(6)}  ${s.min.toFixed(1).padStart(6)}  ${(s.median - node.median).toFixed(1).padStart(8)}  ${(s.median / node.median).toFixed(2).padStart(6)}  ${Number.isNaN(s.cpu) ? '-' : s.cpu.toFixed(0).padStart(6)}`);
}
const ours = stats.get('oci-inspect inspect docker://');
const skopeo = stats.get('skopeo inspect docker://');
console.log(`\nremote inspect: ${(ours.median - node.median).toFixed(1)} ms above node -e 0 (goal <= 40), ${(ours.median / skopeo.median).toFixed(2)}x skopeo's wall time`);
registry.stop();
process.exit(0);
