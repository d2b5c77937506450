import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildFixtures, type Fixtures } from '../../../test/support/fixtures.js';
import { inspectCli, run, tempDir } from './support/cli.js';

/* storage: references read the same image as the oci: layout it was pulled from. */
const STORAGE_BIN = fileURLToPath(new URL('../../storage/bin/oci-storage.js', import.meta.url));
let fx: Fixtures;
let store: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  fx = await buildFixtures();
  store = await tempDir('store');
  const pulled = await run(process.execPath, [STORAGE_BIN, '--root', store.path, 'pull', fx.multilayer.ref, 'demo/multilayer:1']);
  expect(pulled.code, pulled.stderr).toBe(0);
});
afterAll(() => store.remove());

describe('storage:', () => {
  it('inspect and ls agree with the oci: layout the image came from', async () => {
    for (const command of [['inspect'], ['ls', '-l'], ['history', '--format', 'json']]) {
      const [fromStore, fromLayout] = await Promise.all([
        inspectCli(...command, '--root', store.path, 'storage:demo/multilayer:1'),
        inspectCli(...command, fx.multilayer.ref),
      ]);
      expect(fromStore.code, fromStore.stderr).toBe(0);
      expect(fromStore.stdout).toBe(fromLayout.stdout);
    }
  });

  it('an image missing from the store is one line and exit 1', async () => {
    const result = await inspectCli('inspect', '--root', store.path, 'storage:nothing/here:1');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
