#!/usr/bin/env node
// Push and pull between an OCI layout and a local docker-registry: oci-registry vs skopeo copy.
// Usage: node scripts/bench/registry-push-pull.mjs [--many-mb 120] [--big-mb 600] [--reps 1] [--tls]
// --tls: the registry speaks HTTPS with a self-signed certificate, given to each tool as --cert-dir.
// Sizes are of the uncompressed content (half random, half text); the best of --reps runs is kept.
// CPU time (user+sys of the client) is printed too: on a shared machine it is steadier than wall time.
// Needs: pnpm build, docker-registry, skopeo, /usr/bin/time. Prints times, ratios and peak RSS.
import { execFileSync, spawnSync } from 'node:child_process';
import { startRegistry, timeCommand } from './lib/harness.mjs';
import { writeImageLayout } from './lib/layout-writer.mjs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(root, 'packages/registry-client/bin/oci-registry.js');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const TLS = args.includes('--tls');
const MANY_MB = arg('many-mb', 120);
const BIG_MB = arg('big-mb', 600);
const REPS = arg('reps', 1);

let START = 0;
const work = mkdtempSync(join(tmpdir(), 'ocikit-bench-registry-'));
const MB = 1024 * 1024;

/** Half random, half repetitive text, so gzip has some work but does not collapse it. */
function content(size) {
  const half = Math.floor(size / 2);
  const text = Buffer.alloc(size - half, `line of text ${size} for the benchmark\n`);
  return Buffer.concat([randomBytes(half), text]);
}

function* manyFiles(totalMb, layerIndex) {
  // Files from 1 KiB to 200 KiB, like a language runtime's tree.
  let left = totalMb * MB;
  let i = 0;
  while (left > 0) {
    const size = Math.min(left, 1024 + ((i * 7919) % (200 * 1024)));
    yield { name: `usr/lib/pkg${layerIndex}/dir${i % 97}/file${i}.dat`, data: content(size) };
    left -= size;
    i++;
  }
}

function* bigFile(totalMb) {
  // One layer of 8 MiB files: the single-big-layer case.
  for (let i = 0; i * 8 < totalMb; i++) yield { name: `data/chunk${i}.bin`, data: content(Math.min(8, totalMb - i * 8) * MB) };
}

function timed(cmd, cmdArgs) {
  const { wall, cpu, rss } = timeCommand([cmd, ...cmdArgs]);
  return { seconds: wall / 1000, rss, cpu: cpu / 1000 };
}

/** Flags that point a tool at the registry's CA, for the side (src or dest) that is the registry. */
const tlsFlags = (side, reg) => (reg.certDir ? [`--${side}-cert-dir`, reg.certDir] : side === 'src' ? ['--src-tls-verify=false'] : ['--dest-tls-verify=false']);
const ours = (src, dst, side, reg) => timed(process.execPath, [BIN, 'copy', '--quiet', ...(reg.certDir ? tlsFlags(side, reg) : []), src, dst]);
// This environment sets NODE_EXTRA_CA_CERTS, which costs ~45 ms of every Node start. The figures above
// are as a user here gets them; a second, labelled line shows oci-registry with it unset.
const EXTRA_CA = Boolean(process.env.NODE_EXTRA_CA_CERTS);
const oursNoCa = (src, dst, side, reg) =>
  timed('env', ['-u', 'NODE_EXTRA_CA_CERTS', process.execPath, BIN, 'copy', '--quiet', ...(reg.certDir ? tlsFlags(side, reg) : []), src, dst]);
const skopeo = (src, dst, side, reg) => timed('skopeo', ['copy', '--quiet', ...tlsFlags(side, reg), src, dst]);
const startOne = () => startRegistry(work, { tls: TLS });

// Floors: what no client can beat on this machine. curl moves the same blobs
// in parallel with no hashing, no verification and no fsync (one process per
// request), and a bare `node -e 0` is what any Node CLI pays before its code runs.
const HAS_CURL = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;

function blobsOf(layout) {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifestDigest = index.manifests[0].digest;
  const manifest = JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', manifestDigest.slice(7)), 'utf8'));
  return { manifestDigest, manifest, blobs: [manifest.config, ...manifest.layers].map((d) => d.digest) };
}

function curlFloor(op, layout, reg, repo, into) {
  const { manifestDigest, manifest, blobs } = blobsOf(layout);
  const file = (d) => join(layout, 'blobs', 'sha256', d.slice(7));
  const base = `${reg.url}/v2/${repo}`;
  const curl = `curl -sfS${reg.certDir ? ` --cacert ${join(reg.certDir, 'ca.crt')}` : ''}`;
  const script =
    op === 'push'
      ? blobs
          .map(
            (d) =>
              `( loc=$(${curl} -D - -o /dev/null -X POST ${base}/blobs/uploads/ | tr -d '\\r' | awk 'tolower($1)=="location:"{print $2}'); ` +
              `${curl} -o /dev/null -H 'Expect:' -T ${file(d)} "$loc&digest=${d}" ) &`,
          )
          .join('\n') + `\nwait\n${curl} -o /dev/null -X PUT -H 'Content-Type: ${manifest.mediaType}' --data-binary @${file(manifestDigest)} ${base}/manifests/floor`
      : `mkdir -p ${into}\n${curl} -o /dev/null -H 'Accept: ${manifest.mediaType}' ${base}/manifests/v1\n` +
        blobs.map((d) => `${curl} -o ${join(into, d.slice(7))} ${base}/blobs/${d} &`).join('\n') + '\nfor p in $(jobs -p); do wait $p; done';
  return timed('bash', ['-ec', script]);
}

function nodeStart() {
  const runs = Array.from({ length: 5 }, () => timeCommand([process.execPath, '-e', '0']).wall);
  return runs.sort((a, b) => a - b)[2] / 1000;
}

const fmt = (r) => `${r.seconds.toFixed(2)} s (cpu ${r.cpu.toFixed(2)} s), ${r.rss.toFixed(0)} MiB`;
const best = (runs) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));

async function bench(name, layout) {
  const rows = [];
  for (const [op, run] of [['push', 'push'], ['pull', 'pull']]) {
    const oursRuns = [];
    const skopeoRuns = [];
    const noCaRuns = [];
    const floorRuns = [];
    for (let rep = 0; rep < REPS; rep++) {
      // A fresh registry per push so neither tool can skip or mount blobs the other sent.
      if (run === 'push') {
        const push = (tool) => async () => {
          const reg = await startOne();
          try {
            return tool(`oci:${layout}:v1`, `docker://${reg.host}/bench/${name}:v1`, 'dest', reg);
          } finally {
            reg.stop();
          }
        };
        oursRuns.push(await push(ours)());
        skopeoRuns.push(await push(skopeo)());
        if (EXTRA_CA) noCaRuns.push(await push(oursNoCa)());
        if (HAS_CURL) {
          const f = await startOne();
          floorRuns.push(curlFloor('push', layout, f, `bench/${name}`));
          f.stop();
        }
      } else {
        const r = await startOne();
        ours(`oci:${layout}:v1`, `docker://${r.host}/bench/${name}:v1`, 'dest', r);
        const d1 = join(work, `pull-ours-${name}-${rep}`);
        const d2 = join(work, `pull-skopeo-${name}-${rep}`);
        const d3 = join(work, `pull-ours-noca-${name}-${rep}`);
        oursRuns.push(ours(`docker://${r.host}/bench/${name}:v1`, `oci:${d1}:v1`, 'src', r));
        skopeoRuns.push(skopeo(`docker://${r.host}/bench/${name}:v1`, `oci:${d2}:v1`, 'src', r));
        if (EXTRA_CA) noCaRuns.push(oursNoCa(`docker://${r.host}/bench/${name}:v1`, `oci:${d3}:v1`, 'src', r));
        const d4 = join(work, `pull-curl-${name}-${rep}`);
        if (HAS_CURL) floorRuns.push(curlFloor('pull', layout, r, `bench/${name}`, d4));
        for (const d of [d1, d2, d3, d4]) rmSync(d, { recursive: true, force: true });
        r.stop();
      }
    }
    const o = best(oursRuns);
    const s = best(skopeoRuns);
    const minCpu = (runs) => Math.min(...runs.map((r) => r.cpu));
    rows.push(`${name} ${op}: oci-registry ${fmt(o)} | skopeo ${fmt(s)} | speed-up ${(s.seconds / o.seconds).toFixed(2)}x wall, ${(minCpu(skopeoRuns) / Math.max(0.01, minCpu(oursRuns))).toFixed(2)}x cpu`);
    if (noCaRuns.length) {
      const n = best(noCaRuns);
      rows.push(`  (same, oci-registry with NODE_EXTRA_CA_CERTS unset: ${fmt(n)} | speed-up ${(s.seconds / n.seconds).toFixed(2)}x wall)`);
    }
    if (floorRuns.length) {
      const f = best(floorRuns);
      const goal = s.seconds / 1.3;
      rows.push(
        `  floor: curl in parallel, no hashing or fsync ${f.seconds.toFixed(2)} s; bare node start ${START.toFixed(2)} s; ` +
          `1.3x skopeo means ${goal.toFixed(2)} s${f.seconds >= goal ? ' (below the floor: no client can)' : f.seconds + START >= goal ? ' (below curl + node start)' : ''}`,
      );
    }
  }
  return rows;
}

try {
  const t0 = Date.now();
  const many = join(work, 'many');
  await writeImageLayout(many, [0, 1, 2, 3].map((i) => manyFiles(MANY_MB / 4, i)), 'v1');
  const big = join(work, 'big');
  await writeImageLayout(big, [bigFile(BIG_MB)], 'v1');
  const sizes = (dir) => execFileSync('du', ['-sm', dir], { encoding: 'utf8' }).split('\t')[0];
  console.log(`generated many-file image (${sizes(many)} MB on disk) and single-layer image (${sizes(big)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  START = nodeStart();
  const lines = [...(await bench(`many-${MANY_MB}mb`, many)), ...(await bench(`big-${BIG_MB}mb`, big))];
  for (const line of lines) console.log(line);
} finally {
  rmSync(work, { recursive: true, force: true });
}
