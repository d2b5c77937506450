#!/usr/bin/env node
// Unpack and repack: oci-image next to umoci on the same generated images in
// one run, with `tar -xzf` and `gzip -dc` of the same layers as the physical
// baseline. Prints wall time (the faster of two runs for unpacks), peak RSS
// and ratios.
//   node scripts/bench/layers-unpack-repack.mjs [--small-files 20000] [--big-mib 600]
// Data: image A, ~120 MB in two layers (~20,000 small files and some large
// random ones, then deletions -> whiteouts and additions); image B, one
// ~600 MB layer. Needs umoci, GNU tar, gzip and /usr/bin/time; run as root
// for owners (both tools then chown).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { numberFlag, REPO, requireBuilt } from './lib/harness.mjs';

const repo = REPO;
const cli = path.join(repo, 'packages', 'oci-image', 'bin', 'oci-image.js');
const SMALL_FILES = numberFlag('--small-files', 20000);
const BIG_MIB = numberFlag('--big-mib', 600);
requireBuilt('oci-image');
for (const tool of ['umoci', 'tar', 'gzip']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`${tool} is not installed`);
    process.exit(1);
  }
}
const work = mkdtempSync(path.join(os.tmpdir(), 'ocikit-bench-layers-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const at = (...p) => path.join(work, ...p);

/** Run a command under GNU time: wall seconds and peak RSS (MiB) of the process. */
function measureOnce(argv) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`);
  const [seconds, kib] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { seconds, rssMiB: kib / 1024 };
}
/** The faster of two runs (the cores are often shared); `reset` runs before each. */
function measure(argv, reset) {
  if (!reset) return measureOnce(argv);
  reset();
  const first = measureOnce(argv);
  reset();
  const second = measureOnce(argv);
  return first.seconds <= second.seconds ? first : second;
}
const ours = (...args) => [process.execPath, cli, ...args];
const run = (argv) => execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });

// A compressible pool: small files are slices of it, so they gzip like text.
const pool = Buffer.from(randomBytes(1 << 20).toString('base64'));
function writeSmallFiles(root, count, prefix) {
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `${prefix}${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    const size = 200 + ((i * 7919) % 5800);
    const offset = (i * 104729) % (pool.length - size);
    writeFileSync(path.join(dir, `f${i}.txt`), pool.subarray(offset, offset + size));
  }
}
function writeBigFile(file, mib, random) {
  const chunk = random ? null : Buffer.alloc(1 << 20, pool.subarray(0, 4096));
  for (let i = 0; i < mib; i++) appendFileSync(file, random ? randomBytes(1 << 20) : chunk);
}

function layerBlobs(layout, tag) {
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  const manifest = JSON.parse(readFileSync(path.join(layout, 'blobs/sha256', entry.digest.slice(7)), 'utf8'));
  return manifest.layers.map((l) => path.join(layout, 'blobs/sha256', l.digest.slice(7)));
}

const started = Date.now();
const layout = at('layout');
run(['umoci', 'init', '--layout', layout]);
run(['umoci', 'new', '--image', `${layout}:a`]);
run(['umoci', 'new', '--image', `${layout}:b`]);

// Image A: layer 1 = small files + large random ones; layer 2 = deletions and additions.
const a1 = at('a1');
writeSmallFiles(a1, SMALL_FILES, 'd');
for (let i = 0; i < 4; i++) writeBigFile(path.join(a1, `large${i}.bin`), 15, true);
run(ours('layer', 'add', `oci:${layout}:a`, a1));
const a2 = at('a2');
run(['cp', '-al', a1, a2]);
for (let d = 0; d < 10; d++) rmSync(path.join(a2, `d${d}`), { recursive: true });
const q = Math.floor(SMALL_FILES / 4);
for (let i = q; i < q + SMALL_FILES / 20; i += 2) rmSync(path.join(a2, `d${Math.floor(i / 100)}`, `f${i}.txt`), { force: true });
writeSmallFiles(path.join(a2, 'added'), 500, 'n');
run(ours('layer', 'add', `oci:${layout}:a`, a2, '--base', a1));
rmSync(a2, { recursive: true });

// Image B: one big layer.
const b1 = at('b1');
mkdirSync(b1);
const third = Math.floor(BIG_MIB / 6);
for (let i = 0; i < 3; i++) writeBigFile(path.join(b1, `random${i}.bin`), third, true);
for (let i = 0; i < 3; i++) writeBigFile(path.join(b1, `text${i}.bin`), third, false);
const create = measure(ours('layer', 'add', `oci:${layout}:b`, b1, '--level', '1'));
rmSync(b1, { recursive: true });
rmSync(a1, { recursive: true });
console.log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s: image A ${sizeMiB(layerBlobs(layout, 'a'))} MiB compressed in 2 layers, image B ${sizeMiB(layerBlobs(layout, 'b'))} MiB in 1 layer`);
console.log(`oci-image layer add of the ${BIG_MIB} MiB tree (gzip -1): ${create.seconds.toFixed(2)} s, peak RSS ${create.rssMiB.toFixed(0)} MiB\n`);

function sizeMiB(files) {
  let total = 0;
  for (const f of files) total += Number(execFileSync('stat', ['-c', '%s', f], { encoding: 'utf8' }));
  return (total / (1 << 20)).toFixed(0);
}

function unpackRound(tag) {
  const blobs = layerBlobs(layout, tag);
  run(['sh', '-c', `cat ${blobs.join(' ')} > /dev/null`]); // warm the page cache for everyone
  const rows = {};
  const fresh = (dir, create) => () => {
    rmSync(dir, { recursive: true, force: true });
    if (create) mkdirSync(dir);
  };
  rows['gzip -dc > /dev/null'] = measure(['sh', '-c', `for b in ${blobs.join(' ')}; do gzip -dc "$b"; done > /dev/null`], () => {});
  rows['tar -xzf (each layer)'] = measure(['sh', '-c', `for b in ${blobs.join(' ')}; do tar -xzf "$b" -C ${at(`tar-${tag}`)}; done`], fresh(at(`tar-${tag}`), true));
  rows['umoci unpack'] = measure(['umoci', 'unpack', '--image', `${layout}:${tag}`, at(`umoci-${tag}`)], fresh(at(`umoci-${tag}`)));
  rows['oci-image unpack'] = measure(ours('unpack', `oci:${layout}:${tag}`, at(`ours-${tag}`)), fresh(at(`ours-${tag}`)));
  rmSync(at(`tar-${tag}`), { recursive: true });
  return rows;
}

function changeBundle(rootfs) {
  const half = Math.floor(SMALL_FILES / 2);
  const n = Math.min(1000, Math.floor(SMALL_FILES / 20));
  for (let i = half; i < half + n; i++) {
    const file = path.join(rootfs, `d${Math.floor(i / 100)}`, `f${i}.txt`);
    if (existsSync(file)) appendFileSync(file, 'changed\n');
  }
  for (let i = half + n; i < half + 2 * n; i++) rmSync(path.join(rootfs, `d${Math.floor(i / 100)}`, `f${i}.txt`), { force: true });
  writeSmallFiles(path.join(rootfs, 'repacked'), 500, 'r');
  writeFileSync(path.join(rootfs, 'repacked', 'blob.bin'), randomBytes(20 << 20));
}

function print(title, rows, reference, baseline) {
  console.log(title);
  for (const [name, r] of Object.entries(rows)) {
    const ratios = [];
    if (reference && rows[reference] && name !== reference) ratios.push(`${(r.seconds / rows[reference].seconds).toFixed(2)}x ${reference}`);
    if (baseline && rows[baseline] && name !== baseline && !name.startsWith('gzip')) ratios.push(`${(r.seconds / rows[baseline].seconds).toFixed(2)}x ${baseline}`);
    console.log(`  ${name.padEnd(24)} ${r.seconds.toFixed(2).padStart(7)} s  peak RSS ${r.rssMiB.toFixed(0).padStart(5)} MiB  ${ratios.join(', ')}`);
  }
  console.log('');
}

const unpackA = unpackRound('a');
print(`unpack image A (${SMALL_FILES} small files + 60 MiB random, 2 layers with whiteouts)`, unpackA, 'umoci unpack', 'tar -xzf (each layer)');
changeBundle(at('umoci-a', 'rootfs'));
changeBundle(at('ours-a', 'rootfs'));
const repackA = {
  'umoci repack': measure(['umoci', 'repack', '--image', `${layout}:umoci-next`, at('umoci-a')]),
  'oci-image repack': measure(ours('repack', at('ours-a'), `oci:${layout}:ours-next`)),
};
print('repack image A after changing 1000 files, deleting 1000, adding 500 + 20 MiB', repackA, 'umoci repack');
rmSync(at('umoci-a'), { recursive: true });
rmSync(at('ours-a'), { recursive: true });

const unpackB = unpackRound('b');
print(`unpack image B (one ${BIG_MIB} MiB layer)`, unpackB, 'umoci unpack', 'tar -xzf (each layer)');

const goals = [
  ['unpack A no slower than umoci', unpackA['oci-image unpack'].seconds <= unpackA['umoci unpack'].seconds],
  ['unpack A within 1.5x of tar -xzf', unpackA['oci-image unpack'].seconds <= 1.5 * unpackA['tar -xzf (each layer)'].seconds],
  ['unpack B no slower than umoci', unpackB['oci-image unpack'].seconds <= unpackB['umoci unpack'].seconds],
  ['unpack B within 1.5x of tar -xzf', unpackB['oci-image unpack'].seconds <= 1.5 * unpackB['tar -xzf (each layer)'].seconds],
  ['repack no slower than umoci', repackA['oci-image repack'].seconds <= repackA['umoci repack'].seconds],
  ['peak RSS under 200 MiB on the big layer (unpack)', unpackB['oci-image unpack'].rssMiB < 200],
  ['peak RSS under 200 MiB on the big layer (layer add)', create.rssMiB < 200],
];
console.log('goals:');
for (const [name, met] of goals) console.log(`  ${met ? 'met    ' : 'MISSED '} ${name}`);
