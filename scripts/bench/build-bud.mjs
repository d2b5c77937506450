#!/usr/bin/env node
// oci-build bud against buildah bud (chroot isolation, vfs driver, private
// stores) on the same Dockerfiles and the same busybox base, in one run:
//   1. cold build (empty stores),
//   2. fully cached rebuild (buildah with --layers, so that it has a cache),
//   3. COPY of a 20,000-file context (cold).
// Goals: cold no slower than buildah, cached at most half of buildah's time.
//   node scripts/bench/build-bud.mjs [--files 20000] [--runs 3]
// Needs: pnpm build, buildah, root. Prints seconds and ratios (ours / buildah).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { numberFlag, REPO, requireBuilt } from './lib/harness.mjs';

const repo = REPO;
const FILES = numberFlag('--files', 20000);
const RUNS = numberFlag('--runs', 3);
const cli = path.join(repo, 'packages', 'build-tool', 'bin', 'oci-build.js');
requireBuilt('build-tool');
// buildah wants lowercase paths in oci: references (mkdtemp names are mixed case).
const work = path.join(os.tmpdir(), `ocikit-bench-build-${process.pid}`);
mkdirSync(work, { recursive: true });
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const { buildFixtures } = await import(pathToFileURL(path.join(repo, 'test-fixtures', 'build.mjs')).href);
const fx = await buildFixtures(path.join(work, 'fixtures'), ['busybox']);
const base = `oci:${fx.busybox.layout}:${fx.busybox.tag}`;

function timed(file, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) {
    console.error(`${file} ${args.join(' ')} failed:\n${r.stderr}`);
    process.exit(1);
  }
  return seconds;
}

const ours = (store, context, tag) => timed(process.execPath, [cli, '--root', store, 'bud', '--isolation', 'chroot', '-q', '-t', `oci:${path.join(work, 'out')}:${tag}`, context]);
const buildah = (store, context, tag, layers) =>
  timed('buildah', ['--root', path.join(store, 'root'), '--runroot', path.join(store, 'run'), '--storage-driver', 'vfs', 'bud', '--isolation', 'chroot', '-q', ...(layers ? ['--layers'] : []), '-t', `oci:${path.join(work, 'out')}:${tag}`, context]);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// A typical small application build.
const app = path.join(work, 'app');
mkdirSync(path.join(app, 'src'), { recursive: true });
for (let i = 0; i < 50; i++) writeFileSync(path.join(app, 'src', `m${i}.txt`), `module ${i}\n`.repeat(100));
writeFileSync(path.join(app, 'config.ini'), '[app]\nname=bench\n');
writeFileSync(
  path.join(app, 'Dockerfile'),
  `FROM ${base}
ENV APP=/srv/app
WORKDIR /srv/app
COPY config.ini ./
RUN mkdir -p gen && for i in 1 2 3 4 5 6 7 8 9 10; do echo $i > gen/$i; done
COPY src ./src
RUN cat src/*.txt | wc -l > lines && rm -f /bin/yes
USER 1000
CMD ["sh"]
`,
);

// A context of many small files.
const many = path.join(work, 'many');
for (let d = 0; d < FILES / 100; d++) {
  const dir = path.join(many, `d${d}`);
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < 100; f++) writeFileSync(path.join(dir, `f${f}`), `${d}/${f}\n`);
}
writeFileSync(path.join(many, 'Dockerfile'), `FROM ${base}\nCOPY . /data/\n`);

const rows = [];
const row = (name, mine, theirs, note = '') => rows.push({ name, mine, theirs, ratio: mine / theirs, note });

const coldOurs = ours(path.join(work, 's-ours-1'), app, 'cold-ours');
const coldBuildah = buildah(path.join(work, 's-bh-1'), app, 'cold-bh', false);
const coldBuildahLayers = buildah(path.join(work, 's-bh-2'), app, 'cold-bh-layers', true);
row('cold build', coldOurs, coldBuildah, 'buildah default (--layers=false)');
row('cold build (buildah --layers)', coldOurs, coldBuildahLayers, 'both commit every step');
const cachedOurs = median(Array.from({ length: RUNS }, () => ours(path.join(work, 's-ours-1'), app, 'cached-ours')));
const cachedBuildah = median(Array.from({ length: RUNS }, () => buildah(path.join(work, 's-bh-2'), app, 'cached-bh', true)));
row('fully cached rebuild', cachedOurs, cachedBuildah, `median of ${RUNS}; buildah --layers`);
const manyOurs = ours(path.join(work, 's-ours-3'), many, 'many-ours');
const manyBuildah = buildah(path.join(work, 's-bh-3'), many, 'many-bh', false);
row(`COPY of ${FILES} files (cold)`, manyOurs, manyBuildah);

console.log(`oci-build bud vs buildah bud (chroot, vfs), ${os.cpus().length} CPUs`);
console.log('benchmark'.padEnd(34) + 'oci-build'.padStart(11) + 'buildah'.padStart(11) + 'ratio'.padStart(8) + '  note');
for (const r of rows) {
  console.log(r.name.padEnd(34) + `${r.mine.toFixed(2)}s`.padStart(11) + `${r.theirs.toFixed(2)}s`.padStart(11) + r.ratio.toFixed(2).padStart(8) + `  ${r.note}`);
}
