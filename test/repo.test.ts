// The repository's contracts with CI and with release tooling: the README's
// two commands, .ci/run calling the test command exactly, and changesets that
// `changeset version` will accept.
import { accessSync, constants, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/fixtures.js';

const read = (relative: string): string => readFileSync(path.join(REPO_ROOT, relative), 'utf8');

const packageNames = readdirSync(path.join(REPO_ROOT, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => (JSON.parse(read(`packages/${entry.name}/package.json`)) as { name: string }).name);

describe('README and CI', () => {
  it('README opens with the demo and test commands', () => {
    const firstBlock = read('README.md').match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.replace(/\s+#.*$/, '').trim());
    expect(commands).toEqual(['bash scripts/dev.sh demo', 'bash scripts/dev.sh test']);
  });

  it('.ci/run is an executable bash script that runs the README test command', () => {
    accessSync(path.join(REPO_ROOT, '.ci', 'run'), constants.X_OK);
    const lines = read('.ci/run').split('\n');
    expect(lines[0]).toBe('#!/usr/bin/env bash');
    expect(lines).toContain('set -euo pipefail');
    expect(lines.filter((line) => line.startsWith('bash '))).toEqual(['bash scripts/dev.sh test']);
  });

  it('dev.sh pins the pnpm of package.json and runs vitest for `test`', () => {
    const devSh = read('scripts/dev.sh');
    const packageManager = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager;
    expect(packageManager).toBe(`pnpm@${devSh.match(/^PNPM_VERSION=(\S+)$/m)?.[1]}`);
    expect(devSh).toContain('pnpm install --frozen-lockfile');
    expect(devSh).toMatch(/pnpm exec vitest run/);
  });
});

describe('changesets', () => {
  const dir = path.join(REPO_ROOT, '.changeset');
  const files = readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');

  it('config: base branch main, public access, no GitHub changelog plugin', () => {
    const config = JSON.parse(read('.changeset/config.json')) as Record<string, unknown>;
    expect(config).toMatchObject({ baseBranch: 'main', access: 'public' });
    expect(JSON.stringify(config.changelog)).not.toMatch(/github/i);
  });

  it.each(files)('%s names existing packages with a valid bump and has a summary', (file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const match = text.match(/^---\n([\s\S]*?)\n---\n([\s\S]*)$/);
    expect(match, `${file} must start with a --- front matter block`).not.toBeNull();
    const entries = match![1]!.split('\n').filter((line) => line.trim() !== '');
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      const bump = entry.match(/^["']?(@ocikit\/[a-z-]+)["']?:\s*(major|minor|patch)\s*$/);
      expect(bump, `${file}: "${entry}"`).not.toBeNull();
      expect(packageNames, `${file}: ${bump![1]}`).toContain(bump![1]);
    }
    expect(match![2]!.trim().length, `${file} needs a summary line`).toBeGreaterThan(0);
  });
});
