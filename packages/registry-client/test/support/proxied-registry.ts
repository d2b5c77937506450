import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startRegistry, type RegistryOptions, type RunningRegistry } from '../../../../test/support/registry.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { makeTestImage, type TestImage } from './images.js';

/** What a suite behind the fault proxy uses; the fields are set once beforeAll ran. */
export interface ProxiedRegistry {
  registry: RunningRegistry;
  proxy: FaultProxy;
  /** A temp folder, removed afterAll; the test image's layout is `work/src`, tag v1. */
  work: string;
  image: TestImage;
}

/**
 * The real registry behind a fault proxy, a temp folder and a test image,
 * started before the suite's tests and stopped after them.
 */
export function useProxiedRegistry(auth: RegistryOptions['auth'], image: { layers: number; layerSize: number }): ProxiedRegistry {
  const shared = {} as ProxiedRegistry;
  beforeAll(async () => {
    shared.registry = await startRegistry({ auth });
    shared.proxy = await startFaultProxy(shared.registry.url);
    shared.work = mkdtempSync(join(tmpdir(), 'ocikit-rc-'));
    shared.image = await makeTestImage(join(shared.work, 'src'), 'v1', image);
  });
  afterAll(async () => {
    await shared.proxy?.stop();
    await shared.registry?.stop();
    if (shared.work) rmSync(shared.work, { recursive: true, force: true });
  });
  return shared;
}
