#!/usr/bin/env node
// Creating and mounting a container from a ~120 MB many-file image:
// `oci-storage create + mount` next to `buildah from + buildah mount`, both
// with the overlay driver and a private store each, in one run; then the disk
// used by 10 containers of that image (du of each store). Prints ratios.
//   node scripts/bench/storage-create.mjs [--small-files 20000] [--big-mib 60]
// Needs root (overlay mounts), buildah, GNU tar, gzip, du and a built ocikit.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(repo, 'packages', 'storage', 'bin', 'oci-storage.js');
const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const SMALL_FILES = flag('--small-files', 20000);
const BIG_MIB = flag('--big-mib', 60);
const CONTAINERS = 10;

if (!existsSync(path.join(repo, 'packages', 'storage', 'dist', 'cli.js'))) {
  console.error('@ocikit/storage is not built: run `pnpm build` first');
  process.exit(1);
}
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
rmSync(tree1, { recursive: true, force: true });
rmSync(tree2, { recursive: true, force: true });
const image = `oci:${layout}:bench`;
const compressed = layers.reduce((n, l) => n + l.size, 0);
console.log(`image: ${SMALL_FILES + 500} small files + ${BIG_MIB} MiB random; ${(uncompressedBytes / 1e6).toFixed(0)} MB uncompressed, ${(compressed / 1e6).toFixed(0)} MB gzip, 2 layers`);

// --- ocikit
const ourRoot = at('ocikit');
const ours = (...args) => sh(process.execPath, [cli, '--root', ourRoot, '--driver', 'overlay', ...args]);
cleanups.push(() => spawnSync('sh', ['-c', `grep -o ' ${ourRoot}/[^ ]*merged' /proc/self/mountinfo | xargs -r -n1 umount -l`]));
const ourCold = time(() => ours('mount', ours('create', image)));
const ourWarm = time(() => ours('mount', ours('create', image)));

// --- buildah, private store, same driver
const bhRoot = at('buildah-root');
const bhRun = at('buildah-run');
const buildah = (...args) => sh('buildah', ['--root', bhRoot, '--runroot', bhRun, '--storage-driver', 'overlay', ...args]);
cleanups.push(() => {
  spawnSync('buildah', ['--root', bhRoot, '--runroot', bhRun, '--storage-driver', 'overlay', 'rm', '--all'], { stdio: 'ignore' });
  spawnSync('sh', ['-c', `grep -o ' ${bhRoot}/[^ ]*merged' /proc/self/mountinfo | xargs -r -n1 umount -l; grep -o ' ${bhRoot}[^ ]*' /proc/self/mountinfo | xargs -r -n1 umount -l`]);
});
const fromAndMount = () => buildah('mount', buildah('from', '--quiet', image).split('\n').pop());
const bhCold = time(fromAndMount);
const bhWarm = time(fromAndMount);

// --- disk: du of each store (-x: mounts not counted) with 2 containers (both made above), then with 10
const du = (dir) => Number(sh('du', ['-sxk', dir]).split(/\s+/)[0]) * 1024;
const disk = {};
for (const [name, root, make] of [
  ['ocikit', ourRoot, () => ours('mount', ours('create', image))],
  ['buildah', bhRoot, fromAndMount],
]) {
  const two = du(root);
  for (let i = 2; i < CONTAINERS; i++) make();
  disk[name] = { two, ten: du(root) };
}

// The copy driver, for contrast: every container is a full copy.
const vfsRoot = at('ocikit-vfs');
const vfs = (...args) => sh(process.execPath, [cli, '--root', vfsRoot, '--driver', 'vfs', ...args]);
const vfsOne = time(() => vfs('mount', vfs('create', image)));
const vfsDiskOne = du(vfsRoot);
vfs('mount', vfs('create', image));
const vfsPerContainer = du(vfsRoot) - vfsDiskOne;

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const s = (n) => `${n.toFixed(2)} s`;
const perContainer = (d) => (d.ten - d.two) / (CONTAINERS - 2);
console.log('');
console.log('create + mount (overlay)       ocikit      buildah     ocikit/buildah');
console.log(`  first (pull + unpack)        ${s(ourCold.seconds).padEnd(12)}${s(bhCold.seconds).padEnd(12)}${(ourCold.seconds / bhCold.seconds).toFixed(2)}`);
console.log(`  second (layers unpacked)     ${s(ourWarm.seconds).padEnd(12)}${s(bhWarm.seconds).padEnd(12)}${(ourWarm.seconds / bhWarm.seconds).toFixed(2)}`);
console.log('');
console.log(`disk (du -sx of the store)     ocikit      buildah     ocikit/buildah`);
console.log(`  with 2 containers            ${mb(disk.ocikit.two).padEnd(12)}${mb(disk.buildah.two).padEnd(12)}${(disk.ocikit.two / disk.buildah.two).toFixed(2)}`);
console.log(`  with ${CONTAINERS} containers           ${mb(disk.ocikit.ten).padEnd(12)}${mb(disk.buildah.ten).padEnd(12)}${(disk.ocikit.ten / disk.buildah.ten).toFixed(2)}`);
console.log(`  per extra container          ${mb(perContainer(disk.ocikit)).padEnd(12)}${mb(perContainer(disk.buildah)).padEnd(12)}`);
console.log(`  ${CONTAINERS} containers / 2 containers  ${(disk.ocikit.ten / disk.ocikit.two).toFixed(3).padEnd(12)}${(disk.buildah.ten / disk.buildah.two).toFixed(3)}`);
console.log(`  (ocikit keeps the compressed blobs too, ${mb(compressed)}, so pushes never recompress)`);
console.log(`copy driver: create + mount ${s(vfsOne.seconds)}, store with 1 container ${mb(vfsDiskOne)}, each more container ${mb(vfsPerContainer)}`);
