#!/usr/bin/env node
// Builds the deterministic test images as OCI image layouts.
//   node test-fixtures/build.mjs OUTDIR [busybox|multilayer|multiarch|artifact|formats ...]
// prints a JSON description (layouts, refs, digests) on stdout.
// Written without the ocikit library (tar-stream, node:zlib, node:crypto,
// node:fs only), so that it is an independent oracle for ocikit's own code.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildArtifact } from './images/artifact.mjs';
import { buildBusybox } from './images/busybox.mjs';
import { buildFormats } from './images/formats.mjs';
import { buildMultiArch } from './images/multiarch.mjs';
import { buildMultiLayer } from './images/multilayer.mjs';

export { FIXED_MTIME, crc32, gzipDeterministic, tarArchive } from './lib/archive.mjs';
export { FIXED_CREATED, MEDIA_TYPES, hostPlatform, ociReference, sha256 } from './lib/layout.mjs';
export { BUSYBOX_APPLETS, BUSYBOX_GROUP, BUSYBOX_PASSWD, buildBusybox, busyboxEntries } from './images/busybox.mjs';
export { LONG_NAME, LONG_PATH, buildMultiLayer, expectedMultiLayerTree, multiLayerSpecs } from './images/multilayer.mjs';
export { MULTIARCH_PLATFORMS, buildMultiArch, platformString } from './images/multiarch.mjs';
export { ARTIFACT_CONTENT, ARTIFACT_LAYER_TYPE, ARTIFACT_TYPE, buildArtifact } from './images/artifact.mjs';
export { DOCKER_MEDIA_TYPES, OCI_LAYER_TAR, buildFormats } from './images/formats.mjs';

export const FIXTURE_BUILDERS = {
  busybox: buildBusybox,
  multilayer: buildMultiLayer,
  multiarch: buildMultiArch,
  artifact: buildArtifact,
  formats: buildFormats,
};

export const FIXTURE_NAMES = Object.keys(FIXTURE_BUILDERS);

/**
 * Builds the named fixtures (all by default), each in its own layout
 * root/<name>, and returns { root, <name>: description }.
 */
export async function buildFixtures(root, names = FIXTURE_NAMES) {
  const absoluteRoot = resolve(root);
  await mkdir(absoluteRoot, { recursive: true });
  const result = { root: absoluteRoot };
  for (const name of names) {
    const builder = FIXTURE_BUILDERS[name];
    if (!builder) throw new Error(`unknown fixture "${name}" (known: ${FIXTURE_NAMES.join(', ')})`);
    result[name] = await builder(join(absoluteRoot, name));
  }
  return result;
}

async function main(argv) {
  const [outDir, ...names] = argv;
  if (!outDir || outDir === '-h' || outDir === '--help') {
    process.stderr.write(`usage: node test-fixtures/build.mjs OUTDIR [${FIXTURE_NAMES.join('|')} ...]\n`);
    process.exitCode = outDir ? 0 : 2;
    return;
  }
  const result = await buildFixtures(outDir, names.length > 0 ? names : FIXTURE_NAMES);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`test-fixtures: ${error.message}\n`);
    process.exitCode = 1;
  });
}
