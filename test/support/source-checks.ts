// Source checks used by test/graph.test.ts: imports found by the TypeScript
// scanner, enums and namespaces found in the syntax tree (not by regex, so
// comments and strings never count), and a cycle check.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) files.push(...sourceFiles(full));
    else if (/\.(ts|mts|cts|tsx)$/.test(name) && !name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

export function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((ref) => ref.fileName);
}

/** The npm package name an import specifier names ('@scope/name' or 'name'). */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function isInside(dir: string, target: string): boolean {
  const relative = path.relative(dir, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export function isTestFile(packageDir: string, file: string): boolean {
  return /\.test\.(ts|mts|cts|tsx)$/.test(file) || isInside(path.join(packageDir, 'test'), file);
}

export function relativeImportProblems(packageDir: string, files: string[], repoRoot: string): string[] {
  const packagesDir = path.dirname(packageDir);
  const problems: string[] = [];
  for (const file of files) {
    const isTest = isTestFile(packageDir, file);
    for (const specifier of importsOf(file)) {
      if (!specifier.startsWith('.') && !path.isAbsolute(specifier)) continue;
      if (path.isAbsolute(specifier)) {
        problems.push(`${path.relative(repoRoot, file)}: '${specifier}' is an absolute path`);
        continue;
      }
      const target = path.resolve(path.dirname(file), specifier);
      if (isInside(packageDir, target)) continue;
      if (isTest && !isInside(packagesDir, target) && isInside(repoRoot, target)) continue;
      problems.push(`${path.relative(repoRoot, file)}: '${specifier}' leaves ${path.relative(repoRoot, packageDir)}`);
    }
  }
  return problems;
}

export function enumAndNamespaceProblems(files: string[], repoRoot: string): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node): void => {
      if (ts.isEnumDeclaration(node)) problems.push(`${path.relative(repoRoot, file)}: enum ${node.name.text}`);
      // `declare module 'x'` and `declare global` are allowed; `namespace X` / `module X` are not.
      if (ts.isModuleDeclaration(node) && ts.isIdentifier(node.name) && node.name.text !== 'global') {
        problems.push(`${path.relative(repoRoot, file)}: namespace ${node.name.text}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return problems;
}

/** Kahn's algorithm; a result shorter than the graph means a cycle. */
export function topologicalOrder(graph: Record<string, string[]>): string[] {
  const remaining = new Map(Object.entries(graph).map(([node, deps]) => [node, new Set(deps)]));
  const order: string[] = [];
  for (;;) {
    const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([node]) => node).sort();
    if (ready.length === 0) return order;
    for (const node of ready) {
      order.push(node);
      remaining.delete(node);
      for (const deps of remaining.values()) deps.delete(node);
    }
  }
}
