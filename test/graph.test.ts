// Keeps the monorepo honest about ARCHITECTURE.md: the package dependency
// graph (acyclic, downward only), no relative imports into another package,
// the same shape for every package, and no enums or namespaces.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/fixtures.js';
import {
  enumAndNamespaceProblems,
  importsOf,
  packageNameOf,
  relativeImportProblems,
  sourceFiles,
  topologicalOrder,
} from './support/source-checks.js';

/** ARCHITECTURE.md: which ocikit packages each package may depend on. */
const ALLOWED_DEPENDENCIES: Record<string, string[]> = {
  'oci-image': [],
  'registry-client': ['oci-image'],
  storage: ['oci-image'],
  'pod-tool': ['oci-image', 'storage', 'registry-client'],
  'build-tool': ['oci-image', 'storage', 'registry-client', 'pod-tool'],
  'inspect-tool': ['oci-image', 'storage', 'registry-client'],
};

/**
 * Optional peers a CLI may load at run time, never the library: the
 * oci-registry bin handles storage: references when @ocikit/storage is
 * installed beside it (docs/architecture-decisions.md). Declared as an
 * optional peerDependency, imported only under src/cli.
 */
const OPTIONAL_CLI_PEERS: Record<string, string[]> = { 'registry-client': ['storage'] };

function isOptionalPeer(pkg: PackageJson, folder: string, dep: string): boolean {
  const meta = (pkg as { peerDependenciesMeta?: Record<string, { optional?: boolean }> }).peerDependenciesMeta;
  return (OPTIONAL_CLI_PEERS[folder] ?? []).includes(dep) && pkg.peerDependencies?.[`${SCOPE}${dep}`] !== undefined && meta?.[`${SCOPE}${dep}`]?.optional === true;
}

/** ARCHITECTURE.md: the one CLI of each package. */
const BIN_NAMES: Record<string, string> = {
  'oci-image': 'oci-image',
  'registry-client': 'oci-registry',
  storage: 'oci-storage',
  'pod-tool': 'oci-pod',
  'build-tool': 'oci-build',
  'inspect-tool': 'oci-inspect',
};

const SCOPE = '@ocikit/';
const PACKAGES_DIR = path.join(REPO_ROOT, 'packages');

interface PackageJson {
  name: string;
  type?: string;
  bin?: Record<string, string>;
  files?: string[];
  exports?: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const folders = readdirSync(PACKAGES_DIR)
  .filter((name) => existsSync(path.join(PACKAGES_DIR, name, 'package.json')))
  .sort();

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function packageJson(folder: string): PackageJson {
  return readJson<PackageJson>(path.join(PACKAGES_DIR, folder, 'package.json'));
}

/** Folders of the ocikit packages that a package.json lists, by section. */
function ocikitDependencies(pkg: PackageJson, sections: (keyof PackageJson)[]): string[] {
  const names = sections.flatMap((section) => Object.keys((pkg[section] as Record<string, string> | undefined) ?? {}));
  return [...new Set(names.filter((name) => name.startsWith(SCOPE)).map((name) => name.slice(SCOPE.length)))].sort();
}

const ALL_SECTIONS: (keyof PackageJson)[] = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

function relativeToRepo(file: string): string {
  return path.relative(REPO_ROOT, file);
}

function packageSources(folder: string): string[] {
  return ['src', 'test'].flatMap((dir) => sourceFiles(path.join(PACKAGES_DIR, folder, dir)));
}

describe('package dependency graph (ARCHITECTURE.md)', () => {
  it('has exactly the six packages of the architecture', () => {
    expect(folders).toEqual(Object.keys(ALLOWED_DEPENDENCIES).sort());
  });

  it('the architecture graph itself is acyclic', () => {
    const order = topologicalOrder(ALLOWED_DEPENDENCIES);
    expect(order).toHaveLength(Object.keys(ALLOWED_DEPENDENCIES).length);
    expect(order[0]).toBe('oci-image');
  });

  it('every package depends only downward, and the real graph is acyclic', () => {
    const actual: Record<string, string[]> = {};
    for (const folder of folders) {
      const pkg = packageJson(folder);
      const deps = ocikitDependencies(pkg, ALL_SECTIONS);
      actual[folder] = deps;
      const forbidden = deps.filter((dep) => !(ALLOWED_DEPENDENCIES[folder] ?? []).includes(dep) && !isOptionalPeer(pkg, folder, dep));
      expect(forbidden, `@ocikit/${folder} depends on packages ARCHITECTURE.md does not allow`).toEqual([]);
    }
    expect(topologicalOrder(actual)).toHaveLength(folders.length);
  });

  it('ocikit dependencies use the workspace protocol', () => {
    for (const folder of folders) {
      const pkg = packageJson(folder);
      for (const section of ALL_SECTIONS) {
        for (const [name, range] of Object.entries((pkg[section] as Record<string, string> | undefined) ?? {})) {
          if (name.startsWith(SCOPE)) expect(range, `${folder} ${section} ${name}`).toMatch(/^workspace:/);
        }
      }
    }
  });
});

describe.each(folders)('imports of @ocikit/%s', (folder) => {
  const packageDir = path.join(PACKAGES_DIR, folder);
  const pkg = packageJson(folder);
  const declared = new Set([folder, ...ocikitDependencies(pkg, ALL_SECTIONS)]);
  const files = packageSources(folder);

  it('has TypeScript sources to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  // Shipped code stays inside its package; tests may also use the repo's
  // shared test support (test/support, test-fixtures), never another package.
  it('never reaches into another package by a relative or absolute path', () => {
    expect(relativeImportProblems(packageDir, files, REPO_ROOT)).toEqual([]);
  });

  it('imports other ocikit packages only by their npm name, declared and allowed', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith(SCOPE)) continue;
        const dep = packageNameOf(specifier).slice(SCOPE.length);
        if (!declared.has(dep)) problems.push(`${relativeToRepo(file)}: '${specifier}' is not in package.json`);
        else if (isOptionalPeer(pkg, folder, dep) && !relativeToRepo(file).startsWith(`packages/${folder}/src/cli`) && !relativeToRepo(file).startsWith(`packages/${folder}/test/`)) {
          problems.push(`${relativeToRepo(file)}: '${specifier}' is an optional peer: only the CLI may load it`);
        } else if (dep !== folder && !(ALLOWED_DEPENDENCIES[folder] ?? []).includes(dep) && !isOptionalPeer(pkg, folder, dep)) {
          problems.push(`${relativeToRepo(file)}: '${specifier}' goes against ARCHITECTURE.md`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('declares no enums and no namespaces', () => {
    expect(enumAndNamespaceProblems(files, REPO_ROOT)).toEqual([]);
  });
});

describe.each(folders)('shape of @ocikit/%s', (folder) => {
  const packageDir = path.join(PACKAGES_DIR, folder);
  const pkg = packageJson(folder);

  it('is named @ocikit/<folder>, ESM, and ships dist, bin and README.md', () => {
    expect(pkg.name).toBe(`${SCOPE}${folder}`);
    expect(pkg.type).toBe('module');
    expect(pkg.files ?? []).toEqual(expect.arrayContaining(['dist', 'bin', 'README.md']));
  });

  it('has a README.md', () => {
    expect(existsSync(path.join(packageDir, 'README.md')), `packages/${folder}/README.md`).toBe(true);
  });

  // A launcher runs the CommonJS bundle scripts/bundle-clis.mjs makes of dist/cli.js, with the
  // V8 code cache (start-up); bin/package.json makes the launcher CommonJS in an ESM package.
  it('has one bin, a committed CommonJS launcher that runs the bundle of ../dist/cli.js', () => {
    const bin = BIN_NAMES[folder]!;
    expect(pkg.bin).toEqual({ [bin]: `./bin/${bin}.js` });
    const launcher = readFileSync(path.join(packageDir, 'bin', `${bin}.js`), 'utf8');
    expect(launcher.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(launcher).toMatch(/require\('\.\.\/dist\/compile-cache\.cjs'\)\.runBundledCli\(__dirname, process\.env\)/);
    expect(JSON.parse(readFileSync(path.join(packageDir, 'bin', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(existsSync(path.join(packageDir, 'src', 'cli.ts')), `packages/${folder}/src/cli.ts`).toBe(true);
  });

  it('exports every entry point with the @ocikit/source condition first', () => {
    const exportsField = pkg.exports ?? {};
    expect(Object.keys(exportsField)).toContain('.');
    for (const [subpath, conditions] of Object.entries(exportsField)) {
      const keys = Object.keys(conditions);
      expect(keys[0], `exports['${subpath}']`).toBe('@ocikit/source');
      expect(keys, `exports['${subpath}']`).toEqual(expect.arrayContaining(['types', 'default']));
      expect(keys.at(-1), `exports['${subpath}'] must end with default`).toBe('default');
      const source = conditions['@ocikit/source']!;
      expect(source, `exports['${subpath}']`).toMatch(/^\.\/src\/.*\.ts$/);
      expect(existsSync(path.join(packageDir, source)), `${folder}: ${source}`).toBe(true);
      expect(conditions.default, `exports['${subpath}']`).toMatch(/^\.\/dist\/.*\.js$/);
      expect(conditions.types, `exports['${subpath}']`).toMatch(/^\.\/dist\/.*\.d\.ts$/);
    }
  });

  it('has tsconfig references that match its ocikit dependencies', () => {
    const tsconfig = readJson<{ extends?: string; references?: { path: string }[] }>(path.join(packageDir, 'tsconfig.json'));
    expect(tsconfig.extends).toBe('../../tsconfig.base.json');
    const references = (tsconfig.references ?? []).map((ref) => path.basename(path.resolve(packageDir, ref.path))).sort();
    expect(references).toEqual(ocikitDependencies(pkg, ['dependencies', 'devDependencies']));
  });

  it('is built by the root build script', () => {
    const root = readJson<{ scripts: Record<string, string> }>(path.join(REPO_ROOT, 'package.json'));
    expect(root.scripts.build!.split(/\s+/)).toContain(`packages/${folder}`);
  });
});

describe('the checks themselves catch violations', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ocikit-graph-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (relative: string, text: string): string => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  const packageDir = path.join(root, 'packages', 'b');

  it('flags relative imports into another package, allows test support for tests only', () => {
    const src = write('packages/b/src/x.ts', "import { a } from '../../a/src/a.js';\nimport './own.js';\n");
    const lazy = write('packages/b/src/y.ts', "export const load = () => import('../../a/src/a.js');\n");
    const shared = write('packages/b/src/z.ts', "import '../../../test/support/fixtures.js';\n");
    const test = write('packages/b/test/t.test.ts', "import '../../../test/support/fixtures.js';\nimport '../src/x.js';\n");
    const badTest = write('packages/b/test/u.test.ts', "export * from '../../a/src/a.js';\n");
    const problems = relativeImportProblems(packageDir, [src, lazy, shared, test, badTest], root);
    expect(problems).toEqual([
      "packages/b/src/x.ts: '../../a/src/a.js' leaves packages/b",
      "packages/b/src/y.ts: '../../a/src/a.js' leaves packages/b",
      "packages/b/src/z.ts: '../../../test/support/fixtures.js' leaves packages/b",
      "packages/b/test/u.test.ts: '../../a/src/a.js' leaves packages/b",
    ]);
  });

  it('flags enums and namespaces but not the words in comments or strings', () => {
    const bad = write('packages/b/src/bad.ts', 'export enum Color { Red }\nconst enum Size { S }\nnamespace Util { export const x = 1; }\n');
    const good = write(
      'packages/b/src/good.ts',
      "// a network namespace is set up by the runtime\nconst s = 'enum X {';\ndeclare module 'untyped-lib';\ndeclare global { interface Foo { a: 1 } }\nexport { s };\n",
    );
    expect(enumAndNamespaceProblems([bad, good], root).map((problem) => problem.split(': ')[1])).toEqual([
      'enum Color',
      'enum Size',
      'namespace Util',
    ]);
  });

  it('finds cycles in a graph', () => {
    expect(topologicalOrder({ a: ['b'], b: ['c'], c: ['a'] })).toEqual([]);
    expect(topologicalOrder({ a: [], b: ['a'], c: ['a', 'b'] })).toEqual(['a', 'b', 'c']);
  });
});
