#!/usr/bin/env node
// `oci-inspect ls` of a large image (~600 MB of files in gzip layers) vs what
// it replaces: `umoci unpack` then `find` over the rootfs. Same layout, one run.
//   node scripts/bench/inspect-ls.mjs [--mb 600] [--layers 4]
// Needs: pnpm build, umoci, find. Goal: ls at least 3x faster. Prints times and the ratio.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { numberFlag, REPO, requireBuilt } from './lib/harness.mjs';
import { writeImageLayout } from './lib/layout-writer.mjs';

const TOTAL_MB = numberFlag('--mb', 600);
const LAYERS = numberFlag('--layers', 4);
const cli = path.join(REPO, 'packages', 'inspect-tool', 'bin', 'oci-inspect.js');
requireBuilt('inspect-tool');
const work = mkdtempSync(path.join(os.tmpdir(), 'ocikit-bench-inspect-ls-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

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

/** A layer's files; a later layer also makes a dir of an earlier one opaque, so whiteouts are exercised. */
function* layerFiles(layer, bytes) {
  yield* files(layer, bytes);
  if (layer > 0) yield { name: `usr/share/layer${layer - 1}/d1/.wh..wh..opq`, data: Buffer.alloc(0) };
}

const layout = path.join(work, 'layout');
const started = Date.now();
const perLayer = Math.floor((TOTAL_MB * 1024 * 1024) / LAYERS);
const stored = await writeImageLayout(layout, Array.from({ length: LAYERS }, (_, i) => layerFiles(i, perLayer)), 'big');
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
