import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OCI_IMAGE_BIN, tempDir } from './support.js';

// The CommonJS build of src/cli/compile-cache.ts that every bin launcher loads.
const COMPILE_CACHE = resolve(import.meta.dirname, '../dist/compile-cache.cjs');

/** Run `node -e` with the cache on for `root`, requiring root/m.cjs and printing what it returns. */
function runWithCache(root: string, cache: string): string {
  const script = `require(${JSON.stringify(COMPILE_CACHE)}).enableCompileCache({ root: ${JSON.stringify(root)}, directory: ${JSON.stringify(cache)} });
process.stdout.write(require(${JSON.stringify(join(root, 'm.cjs'))})());`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

const entries = (cache: string) => readdirSync(join(cache, `${process.version}-${process.arch}`));

/** A folder of code to cache (holding m.cjs with `source`) and an empty cache folder. */
async function fixture(source: string): Promise<{ root: string; cache: string }> {
  const dir = await tempDir();
  const root = join(dir, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'm.cjs'), source);
  return { root, cache: join(dir, 'cache') };
}

describe('compile cache', () => {
  it('stores code once per content and never serves code of a changed file of the same length', async () => {
    const { root, cache } = await fixture("module.exports = () => 'first';");
    expect(runWithCache(root, cache)).toBe('first');
    expect(entries(cache)).toHaveLength(1);
    expect(runWithCache(root, cache)).toBe('first');
    expect(entries(cache)).toHaveLength(1);
    // V8 itself checks only the source length: same length, other code.
    writeFileSync(join(root, 'm.cjs'), "module.exports = () => 'other';");
    expect(runWithCache(root, cache)).toBe('other');
    expect(entries(cache)).toHaveLength(2);
  });

  it('compiles as usual when a cache entry is garbage', async () => {
    const { root, cache } = await fixture("module.exports = () => require('node:path').basename(__filename);");
    expect(runWithCache(root, cache)).toBe('m.cjs');
    const [entry] = entries(cache);
    writeFileSync(join(cache, `${process.version}-${process.arch}`, entry!), 'not V8 code');
    expect(runWithCache(root, cache)).toBe('m.cjs');
  });

  it('is used by the bin launchers, and turned off by OCIKIT_COMPILE_CACHE=0', async () => {
    const dir = await tempDir();
    const cache = join(dir, 'cache');
    const run = (value: string) => spawnSync(process.execPath, [OCI_IMAGE_BIN, '--version'], { encoding: 'utf8', env: { ...process.env, OCIKIT_COMPILE_CACHE: value } });
    const off = run('0');
    expect(off.status).toBe(0);
    const first = run(cache);
    expect(first.stdout).toBe(off.stdout);
    const cached = entries(cache).length;
    expect(cached).toBeGreaterThan(0);
    expect(run(cache).stdout).toBe(off.stdout);
    expect(entries(cache)).toHaveLength(cached);
  });
});
