#!/usr/bin/env node
// Creating and mounting a container from a ~120 MB many-file image:
// `oci-storage create + mount` next to `buildah from + buildah mount`, both
// with the overlay driver and a private store each, in one run; then the disk
// used by 10 containers of that image (du of each store). Prints ratios.
//   node scripts/bench/storage-create.mjs [--small-files 20000] [--big-mib 60] [--rounds 3] [--warm 5]
// First create: --rounds fresh stores per tool (order alternating), medians.
// Second create (layers unpacked): --warm runs of each form, medians.
// Needs root (overlay mounts), buildah, GNU tar, gzip, du and a built ocikit.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { numberFlag, REPO, requireBuilt } from './lib/harness.mjs';

const repo = REPO;
const cli = path.join(repo, 'packages', 'storage', 'bin', 'oci-storage.js');
const SMALL_FILES = numberFlag('--small-files', 20000);
const BIG_MIB = numberFlag('--big-mib', 60);
const ROUNDS = Math.max(1, numberFlag('--rounds', 3));
const WARM = Math.max(1, numberFlag('--warm', 5));
const CONTAINERS = 10;

requireBuilt('storage');
for (const tool of ['buildah', 'tar', 'gzip', 'du']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`${tool} is not installed`);
    process.exit(1);
  }
}
// buildah derives an image name from the oci: path, and names must be lowercase.
const work = path.join(os.tmpdir(), `ocikit-bench-storage-${randomBytes(4).toString('hex')}`);
mkdirSync(work);
const at = (...p) => path.join(work, ...p);
const cleanups = [];
process.on('exit', () => {
  for (const fn of cleanups.reverse()) fn();
  rmSync(work, { recursive: true, force: true });
});
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts }).trim();
const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const time = (fn) => {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
};

// --- The image: ~20,000 small text-like files plus some large random ones, and a second layer of changes.
const pool = Buffer.from(randomBytes(1 << 20).toString('base64'));
function layerTree(dir, files, prefix) {
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, 'usr', 'share', `${prefix}${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    const size = 200 + ((i * 7919) % 5800);
    const offset = (i * 104729) % (pool.length - size);
    writeFileSync(path.join(sub, `f${i}.txt`), pool.subarray(offset, offset + size));
  }
}
const tree1 = at('tree1');
layerTree(tree1, SMALL_FILES, 'd');
mkdirSync(path.join(tree1, 'opt', 'big'), { recursive: true });
for (let i = 0; i < 3; i++) for (let m = 0; m < BIG_MIB / 3; m++) appendFileSync(path.join(tree1, 'opt', 'big', `blob${i}.bin`), randomBytes(1 << 20));
const tree2 = at('tree2');
layerTree(tree2, 500, 'e');
mkdirSync(path.join(tree2, 'usr', 'share', 'd0'), { recursive: true });
writeFileSync(path.join(tree2, 'usr', 'share', 'd0', '.wh.f0.txt'), '');

const layout = at('layout');
mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
const putBlob = (bytes) => {
  const digest = sha256(bytes);
  writeFileSync(path.join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length };
};
const layers = [];
const diffIds = [];
let uncompressedBytes = 0;
for (const tree of [tree1, tree2]) {
  const tarBytes = execFileSync('tar', ['-C', tree, '--sort=name', '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { maxBuffer: 1 << 30 });
  uncompressedBytes += tarBytes.length;
  diffIds.push(sha256(tarBytes));
  const gz = execFileSync('gzip', ['-1', '-n', '-c'], { input: tarBytes, maxBuffer: 1 << 30 });
  layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...putBlob(gz) });
}
const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds }, history: [{ created_by: 'bench' }, { created_by: 'bench' }] }));
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...putBlob(config) }, layers }));
const top = putBlob(manifest);
writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...top, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }));
// The source trees stay until the end: on this kind of disk (ext4 without a
// journal) creating files right after deleting thousands is several times
// slower for minutes (the inode allocator skips recently deleted inodes), which
// would charge whichever tool runs first.
const image = `oci:${layout}:bench`;
const compressed = layers.reduce((n, l) => n + l.size, 0);
console.log(`image: ${SMALL_FILES + 500} small files + ${BIG_MIB} MiB random; ${(uncompressedBytes / 1e6).toFixed(0)} MB uncompressed, ${(compressed / 1e6).toFixed(0)} MB gzip, 2 layers`);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const noCaEnv = { ...process.env };
delete noCaEnv.NODE_EXTRA_CA_CERTS;

// --- the two tools, each store private; overlay for both
const oursIn = (root, env = process.env) => (...args) => sh(process.execPath, [cli, '--root', root, '--driver', 'overlay', ...args], { env });
const buildahIn = (dir) => (...args) => sh('buildah', ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'overlay', ...args]);
const stores = { ocikit: [], buildah: [] };
cleanups.push(() => {
  for (const dir of stores.buildah) spawnSync('buildah', ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'overlay', 'rm', '--all'], { stdio: 'ignore' });
  spawnSync('sh', ['-c', `grep -o ' ${work}/[^ ]*merged' /proc/self/mountinfo | xargs -r -n1 umount -l; grep -o ' ${work}/buildah[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`]);
});
const forms = {
  oneProcess: (ours) => ours('create', '--mount', image).split('\n'),
  twoProcesses: (ours) => ours('mount', ours('create', image)),
  fromMount: (buildah) => buildah('mount', buildah('from', '--quiet', image).split('\n').pop()),
  from: (buildah) => buildah('from', '--quiet', image),
};

// --- first create + mount: import from the oci: layout, unpack, mount; a fresh store per round
const cold = { ocikit: [], buildah: [] };
for (let round = 0; round < ROUNDS; round++) {
  const ourRoot = at(`ocikit-${round}`);
  const bhDir = at(`buildah-${round}`);
  stores.ocikit.push(ourRoot);
  stores.buildah.push(bhDir);
  const runs = [
    () => cold.ocikit.push(time(() => forms.oneProcess(oursIn(ourRoot))).seconds),
    () => cold.buildah.push(time(() => forms.fromMount(buildahIn(bhDir))).seconds),
  ];
  if (round % 2) runs.reverse();
  for (const run of runs) run();
}
const counts = { ocikit: stores.ocikit.map(() => 1), buildah: stores.buildah.map(() => 1) };

// --- second create + mount (layers unpacked), in the first round's stores
const ours = oursIn(stores.ocikit[0]);
const oursNoCa = oursIn(stores.ocikit[0], noCaEnv);
const buildah = buildahIn(stores.buildah[0]);
const warm = { oneProcess: [], oneProcessNoCa: [], twoProcesses: [], fromMount: [], from: [] };
for (let i = 0; i < WARM; i++) {
  warm.oneProcess.push(time(() => forms.oneProcess(ours)).seconds);
  warm.twoProcesses.push(time(() => forms.twoProcesses(ours)).seconds);
  warm.oneProcessNoCa.push(time(() => forms.oneProcess(oursNoCa)).seconds);
  warm.fromMount.push(time(() => forms.fromMount(buildah)).seconds);
  warm.from.push(time(() => forms.from(buildah)).seconds);
  counts.ocikit[0] += 3;
  counts.buildah[0] += 2;
}
const nodeStart = { ca: [], noCa: [] };
for (let i = 0; i < WARM; i++) {
  nodeStart.ca.push(time(() => sh(process.execPath, ['-e', '0'])).seconds);
  nodeStart.noCa.push(time(() => sh(process.execPath, ['-e', '0'], { env: noCaEnv })).seconds);
}

// --- disk: du of a store (-x: mounts not counted) with 2 containers, then with 10
const du = (dir) => Number(sh('du', ['-sxk', dir]).split(/\s+/)[0]) * 1024;
const diskStore = ROUNDS > 1 ? 1 : 0;
const disk = {};
for (const [name, make] of [
  ['ocikit', () => forms.oneProcess(oursIn(stores.ocikit[diskStore]))],
  ['buildah', () => forms.fromMount(buildahIn(stores.buildah[diskStore]))],
]) {
  const root = stores[name][diskStore];
  while (counts[name][diskStore] < 2) {
    make();
    counts[name][diskStore]++;
  }
  const first = { n: counts[name][diskStore], bytes: du(root) };
  while (counts[name][diskStore] < Math.max(CONTAINERS, first.n + 1)) {
    make();
    counts[name][diskStore]++;
  }
  disk[name] = { first, last: { n: counts[name][diskStore], bytes: du(root) } };
}

// The copy driver, for contrast: every container is a full copy.
const vfsRoot = at('ocikit-vfs');
const vfs = (...args) => sh(process.execPath, [cli, '--root', vfsRoot, '--driver', 'vfs', ...args]);
const vfsOne = time(() => vfs('create', '--mount', image));
const vfsDiskOne = du(vfsRoot);
vfs('create', '--mount', image);
const vfsPerContainer = du(vfsRoot) - vfsDiskOne;

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const s = (n) => `${n.toFixed(2)} s`;
const ms = (n) => `${(n * 1000).toFixed(0)} ms`;
const row = (label, a, b, fmt = s) => `  ${label.padEnd(46)}${fmt(a).padEnd(12)}${fmt(b).padEnd(12)}${(a / b).toFixed(2)}`;
console.log('');
console.log(`${'create + mount (overlay), medians'.padEnd(48)}ocikit      buildah     ocikit/buildah`);
console.log(row(`first: import + unpack + mount (${ROUNDS} rounds)`, median(cold.ocikit), median(cold.buildah)));
console.log(`    each round: ocikit ${cold.ocikit.map(s).join(', ')}; buildah ${cold.buildah.map(s).join(', ')}`);
console.log(`  second (layers unpacked, ${WARM} runs each):`);
console.log(row('create --mount vs from + mount', median(warm.oneProcess), median(warm.fromMount), ms));
console.log(row('create; mount (2 processes) vs from + mount', median(warm.twoProcesses), median(warm.fromMount), ms));
console.log(row('create --mount vs from alone', median(warm.oneProcess), median(warm.from), ms));
console.log(row('create --mount, NODE_EXTRA_CA_CERTS unset', median(warm.oneProcessNoCa), median(warm.fromMount), ms));
console.log(`  node -e 0 here: ${ms(median(nodeStart.ca))} (${ms(median(nodeStart.noCa))} with NODE_EXTRA_CA_CERTS unset); no Node process starts faster`);
console.log('');
console.log(`${'disk (du -sx of the store)'.padEnd(48)}ocikit      buildah     ocikit/buildah`);
console.log(row(`with ${disk.ocikit.first.n} / ${disk.buildah.first.n} containers`, disk.ocikit.first.bytes, disk.buildah.first.bytes, mb));
console.log(row(`with ${disk.ocikit.last.n} / ${disk.buildah.last.n} containers`, disk.ocikit.last.bytes, disk.buildah.last.bytes, mb));
const perContainer = (d) => (d.last.bytes - d.first.bytes) / (d.last.n - d.first.n);
console.log(`${'  per extra container'.padEnd(48)}${mb(perContainer(disk.ocikit)).padEnd(12)}${mb(perContainer(disk.buildah)).padEnd(12)}`);
console.log(`${'  last / first'.padEnd(48)}${(disk.ocikit.last.bytes / disk.ocikit.first.bytes).toFixed(3).padEnd(12)}${(disk.buildah.last.bytes / disk.buildah.first.bytes).toFixed(3)}`);
console.log(`  (ocikit keeps the compressed blobs too, ${mb(compressed)}, so pushes never recompress)`);
console.log(`copy driver: create --mount ${s(vfsOne.seconds)}, store with 1 container ${mb(vfsDiskOne)}, each more container ${mb(vfsPerContainer)}`);
