#!/usr/bin/env node
// Bundles the CLIs whose bin launcher imports ../dist/cli.bundle.js: one
// entry file plus lazily loaded chunks (code splitting keeps every command's
// library code out of start-up). Node 20 has no module compile cache, and
// resolving and parsing hundreds of small ESM files (yargs alone is ~40)
// costs more than the command itself. Native addons stay external.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rolldown } from 'rolldown';

const root = new URL('..', import.meta.url).pathname;
const NATIVE = ['zstd-napi'];
const OWN_MODULE = /\/packages\/[^/]+\/dist\//;
const ENTRY_MODULE = /\/dist\/(cli|monitor-main)\.js$/;

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  let launcher;
  try {
    launcher = readFileSync(join(dir, 'bin', readdirSync(join(dir, 'bin'))[0]), 'utf8');
  } catch {
    continue;
  }
  if (!launcher.includes('../dist/cli.bundle.js')) continue;
  // Old chunks are left in place: a CLI started before this build may still load them.
  const bundle = await rolldown({
    input: { 'cli.bundle': join(dir, 'dist', 'cli.js') },
    platform: 'node',
    external: [/^node:/, ...NATIVE],
    // Our modules run no code when imported (entries and the monitor aside),
    // so importing one name from a package's index must not drag in, and
    // run, the whole package: each command's chunk gets only what it uses.
    treeshake: { moduleSideEffects: (id) => !OWN_MODULE.test(id) || ENTRY_MODULE.test(id) },
    logLevel: 'warn',
  });
  await bundle.write({ dir: join(dir, 'dist'), format: 'esm', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: false });
  await bundle.close();
}
