import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { makeTestImage, type TestImage } from './support/images.js';
import { run } from './support/cli.js';

/** oci-registry moves images in and out of the local store when @ocikit/storage is installed beside it. */
describe('oci-registry with storage: references', () => {
  let registry: RunningRegistry;
  let work: string;
  let image: TestImage;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none' });
    work = mkdtempSync(join(tmpdir(), 'ocikit-rc-storage-'));
    image = await makeTestImage(join(work, 'src'), 'v1', { layers: 2, layerSize: 20_000 });
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('pulls from the registry into the store and copies out of it, digests kept', async () => {
    const store = join(work, 'store');
    expect((await run(['copy', `oci:${join(work, 'src')}:v1`, `docker://${registry.host}/app:v1`])).code).toBe(0);
    const pull = await run(['copy', '--storage-root', store, `docker://${registry.host}/app:v1`, 'storage:app:v1']);
    expect(pull.stderr).toBe('');
    expect(pull.stdout.trim()).toMatch(new RegExp(`^storage:.*app:v1@${image.manifest.digest}$`));
    // the store named by the environment is the same store
    const out = await run(['copy', 'storage:app:v1', `oci:${join(work, 'out')}:v1`], { OCIKIT_STORAGE_ROOT: store });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe(`oci:${join(work, 'out')}:v1@${image.manifest.digest}`);
    // the explicit form names another store inline
    const explicit = await run(['copy', `storage:[vfs@${store}]app:v1`, `oci:${join(work, 'out2')}:v1`]);
    expect(explicit.code).toBe(0);
    const missing = await run(['copy', '--storage-root', store, 'storage:nothing:here', `oci:${join(work, 'x')}:y`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
