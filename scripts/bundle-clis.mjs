#!/usr/bin/env node
// Bundles the CLIs whose bin launcher runs ../dist/cli.bundle.cjs: one entry
// file plus lazily required chunks (code splitting keeps every command's
// library code out of start-up), as CommonJS so that V8's code cache can be
// used (dist/compile-cache.cjs, from oci-image's cli/compile-cache.ts).
// Node 20 has no module compile cache, its ESM loader costs more per file
// than require(), and resolving and parsing hundreds of small ESM files
// (yargs alone is ~40) costs more than the command itself. Native addons stay
// external. See docs/architecture-decisions.md.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rolldown } from 'rolldown';

const root = new URL('..', import.meta.url).pathname;
const NATIVE = ['zstd-napi'];
const OWN_MODULE = /\/packages\/[^/]+\/dist\//;
const ENTRY_MODULE = /\/dist\/(cli|monitor-main)\.js$/;

const common = {
  platform: 'node',
  external: [/^node:/, ...NATIVE],
  // Our modules run no code when imported (entries and the monitor aside),
  // so importing one name from a package's index must not drag in, and
  // run, the whole package: each command's chunk gets only what it uses.
  treeshake: { moduleSideEffects: (id) => !OWN_MODULE.test(id) || ENTRY_MODULE.test(id) },
  logLevel: 'warn',
  onLog(level, log, handle) {
    // yargs resolves `extends` in config files with import.meta.resolve; our CLIs never read such files.
    if (log.code === 'EMPTY_IMPORT_META' && log.id?.includes('/yargs/')) return;
    handle(level, log);
  },
};
// import() of a built-in stays require(): vm.Script (the code cache) cannot run import() on Node 20.
const cjs = { format: 'cjs', dynamicImportInCjs: false, sourcemap: false };

const cacheBundle = await rolldown({ ...common, input: join(root, 'packages', 'oci-image', 'dist', 'cli', 'compile-cache.js') });
const [cacheChunk] = (await cacheBundle.generate(cjs)).output;
await cacheBundle.close();

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  let launcher;
  try {
    launcher = readFileSync(join(dir, 'bin', readdirSync(join(dir, 'bin')).find((f) => f.endsWith('.js'))), 'utf8');
  } catch {
    continue;
  }
  if (!launcher.includes('runBundledCli')) continue;
  writeFileSync(join(dir, 'dist', 'compile-cache.cjs'), cacheChunk.code);
  const bundle = await rolldown({ ...common, input: { 'cli.bundle': join(dir, 'dist', 'cli.js') } });
  const { output } = await bundle.write({ ...cjs, dir: join(dir, 'dist'), entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' });
  await bundle.close();
  // Chunks of older builds stay a day: a CLI started before this build may still load them.
  const current = new Set(output.map((file) => file.fileName.replace(/^chunks\//, '')));
  const chunks = join(dir, 'dist', 'chunks');
  for (const name of readdirSync(chunks)) {
    const path = join(chunks, name);
    if (!current.has(name) && Date.now() - statSync(path).mtimeMs > 24 * 3600 * 1000) rmSync(path, { force: true });
  }
}
