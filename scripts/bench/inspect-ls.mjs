#!/usr/bin/env node
// `oci-inspect ls` of a large image (~600 MB of files in gzip layers) vs what
// it replaces: `umoci unpack` then `find` over the rootfs. Same layout, one run.
//   node scripts/bench/inspect-ls.mjs [--mb 600] [--layers 4]
// Needs: pnpm build, umoci, find. Goal: ls at least 3x faster. Prints times and the ratio.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { pack } = createRequire(path.join(repo, 'package.json'))('tar-stream');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const TOTAL_MB = arg('mb', 600);
const LAYERS = arg('layers', 4);
const cli = path.join(repo, 'packages', 'inspect-tool', 'bin', 'oci-inspect.js');
if (!existsSync(path.join(repo, 'packages', 'inspect-tool', 'dist', 'cli.bundle.cjs'))) {
  console.error('inspect-tool is not built: run `pnpm build` first');
  process.exit(1);
}
const work = mkdtempSync(path.join(os.tmpdir(), 'ocikit-bench-inspect-ls-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

class Hasher extends Transform {
  constructor() {
    super();
    this.hash = createHash('sha256');
    this.size = 0;
  }
  _transform(chunk, _encoding, done) {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
}

/** Files of mixed sizes (1 KiB .. 1 MiB), half random and half text, like a real rootfs more or less. */
function* files(layer, bytes) {
  let written = 0;
  let n = 0;
  const text = Buffer.alloc(1024 * 1024, `layer ${layer} some repetitive text of a config or source file\n`);
  while (written < bytes) {
    const size = n % 50 === 0 ? 1024 * 1024 : 1024 * (1 + (n % 96));
    const half = size >> 1;
    yield { name: `usr/share/layer${layer}/d${n % 64}/f${n}.bin`, data: Buffer.concat([randomBytes(half), text.subarray(0, size - half)]) };
    written += size;
    n++;
  }
}

async function writeLayer(layout, layer, bytes) {
  const p = pack();
  const diff = new Hasher();
  const blob = new Hasher();
  const temp = path.join(layout, 'blobs', 'sha256', `tmp-${layer}`);
  const done = pipeline(p, diff, createGzip({ level: 1 }), blob, createWriteStream(temp));
  for (const f of files(layer, bytes)) {
    await new Promise((resolve, reject) => p.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime: new Date(0) }, f.data, (e) => (e ? reject(e) : resolve())));
  }
  // A later layer removes part of an earlier one, so whiteouts are exercised too.
  if (layer > 0) p.entry({ name: `usr/share/layer${layer - 1}/d1/.wh..wh..opq`, size: 0, mode: 0o644, mtime: new Date(0) }, Buffer.alloc(0));
  p.finalize();
  await done;
  const digest = `sha256:${blob.hash.digest('hex')}`;
  renameSync(temp, path.join(layout, 'blobs', 'sha256', digest.slice(7)));
  return { descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: blob.size }, diffId: `sha256:${diff.hash.digest('hex')}` };
}

function putJson(layout, doc, mediaType) {
  const bytes = Buffer.from(JSON.stringify(doc));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  writeFileSync(path.join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length };
}

const layout = path.join(work, 'layout');
mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
const started = Date.now();
const layers = [];
for (let i = 0; i < LAYERS; i++) layers.push(await writeLayer(layout, i, Math.floor((TOTAL_MB * 1024 * 1024) / LAYERS)));
const config = putJson(layout, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }, 'application/vnd.oci.image.config.v1+json');
const manifest = putJson(layout, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: layers.map((l) => l.descriptor) }, 'application/vnd.oci.image.manifest.v1+json');
writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'big' } }] }));
const stored = layers.reduce((s, l) => s + l.descriptor.size, 0);
console.log(`image: ${TOTAL_MB} MB of files in ${LAYERS} gzip layers (${(stored / 1e6).toFixed(0)} MB stored), built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

function timed(label, argv, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${label} failed: ${String(result.stderr).trim().split('\n')[0]}`);
  return { ms, lines: String(result.stdout).trim().split('\n').length };
}

const ours = timed('oci-inspect ls', [process.execPath, cli, 'ls', `oci:${layout}:big`]);
const bundle = path.join(work, 'bundle');
const unpack = timed('umoci unpack', ['umoci', 'unpack', '--image', `${layout}:big`, bundle]);
const find = timed('find', ['find', path.join(bundle, 'rootfs'), '-mindepth', '1']);
rmSync(bundle, { recursive: true, force: true });
const theirs = unpack.ms + find.ms;
console.log(`oci-inspect ls:           ${(ours.ms / 1000).toFixed(2)} s, ${ours.lines} paths (streamed, nothing written)`);
console.log(`umoci unpack + find:      ${(theirs / 1000).toFixed(2)} s (unpack ${(unpack.ms / 1000).toFixed(2)} s + find ${(find.ms / 1000).toFixed(2)} s), ${find.lines} paths`);
console.log(`ratio: oci-inspect ls is ${(theirs / ours.ms).toFixed(2)}x faster (goal >= 3x); load ${os.loadavg()[0].toFixed(1)}`);
