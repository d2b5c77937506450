import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';

export interface CompileCacheOptions {
  /** Only CommonJS files below this folder are cached (a CLI's own bundle). */
  root: string;
  /** Where cached code lives; undefined turns the cache off. */
  directory: string | undefined;
  /** Files kept in the directory before the oldest are removed. */
  maxEntries?: number;
}

interface CompilingModule {
  exports: unknown;
  require(id: string): unknown;
}
type Compile = (this: CompilingModule, content: string, filename: string) => unknown;
const moduleInternals = Module as unknown as {
  prototype: { _compile: Compile };
  wrap(source: string): string;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _cache: unknown;
};

/**
 * V8's code cache for a CLI's CommonJS bundle, the job Node 22's
 * module.enableCompileCache() does and Node 20 lacks: each chunk is compiled
 * once per content and Node version, later starts skip parsing and compiling.
 * Keyed by a hash of the source (V8 checks only the length), written
 * atomically at exit, never fatal: any failure compiles as Node would.
 */
export function enableCompileCache(options: CompileCacheOptions): void {
  if (!options.directory) return;
  const directory = join(options.directory, `${process.version}-${process.arch}`);
  const root = options.root.endsWith(sep) ? options.root : options.root + sep;
  const fresh: Array<{ file: string; script: Script }> = [];
  const original = moduleInternals.prototype._compile;

  moduleInternals.prototype._compile = function compileWithCache(content, filename) {
    if (!filename.startsWith(root) || !filename.endsWith('.cjs')) return original.call(this, content, filename);
    const file = join(directory, createHash('sha256').update(content).digest('hex').slice(0, 32));
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected) fresh.push({ file, script });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };

  // At exit the functions that ran are compiled too, so the cache holds them.
  process.once('exit', () => {
    if (fresh.length === 0) return;
    try {
      mkdirSync(directory, { recursive: true });
      for (const { file, script } of fresh) {
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, file);
      }
      trim(directory, options.maxEntries ?? 1000);
    } catch {
      // A read-only or full disk only costs the next start its speed.
    }
  });
}

/**
 * The cache folder a CLI uses: $OCIKIT_COMPILE_CACHE (0 turns it off), else
 * ocikit/compile-cache under $XDG_CACHE_HOME or ~/.cache, as other tools keep theirs.
 */
export function compileCacheDirectory(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const chosen = env.OCIKIT_COMPILE_CACHE;
  if (chosen === '0') return undefined;
  if (chosen) return chosen;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base ? join(base, 'ocikit', 'compile-cache') : undefined;
}

function requireFor(module: CompilingModule): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  require.resolve = ((request: string, options?: unknown) => moduleInternals._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  require.cache = moduleInternals._cache as NodeJS.Require['cache'];
  return require;
}

/** Keep the folder bounded: builds change chunk contents, old entries are never read again. */
function trim(directory: string, maxEntries: number): void {
  const names = readdirSync(directory).filter((name) => !name.endsWith('.tmp'));
  if (names.length <= maxEntries) return;
  const byAge = names.map((name) => ({ name, time: statSync(join(directory, name)).mtimeMs })).sort((a, b) => a.time - b.time);
  for (const { name } of byAge.slice(0, names.length - maxEntries)) rmSync(join(directory, name), { force: true });
}

/**
 * What a bin launcher does: turn the cache on for the package's dist folder,
 * then run its CommonJS bundle (dist/cli.bundle.cjs).
 */
export function runBundledCli(binDirectory: string, env: Readonly<Record<string, string | undefined>>): void {
  const dist = join(binDirectory, '..', 'dist');
  enableCompileCache({ root: dist, directory: compileCacheDirectory(env) });
  Module.createRequire(join(dist, 'launcher.cjs'))('./cli.bundle.cjs');
}
