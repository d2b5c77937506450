import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { localTransports, type Transport } from '@ocikit/oci-image';
import { dockerTransport, type DockerTransport, type DockerTransportOptions } from '@ocikit/registry-client';
import { startRegistry, type RegistryOptions, type RunningRegistry } from '../../../../test/support/registry.js';

/** What a suite against the real registry uses; the fields are set once beforeAll ran. */
export interface RegistrySuite {
  registry: RunningRegistry;
  /** A temp folder, removed afterAll. */
  work: string;
  docker: DockerTransport;
  /** The local transports plus `docker`, for both sides of a copy. */
  transports: readonly Transport<any>[];
}

/**
 * The real registry, a temp folder and a docker transport for it, started
 * before the suite's tests and closed after them.
 */
export function useRegistry(options: RegistryOptions, prefix: string, dockerOptions: (registry: RunningRegistry) => DockerTransportOptions = () => ({})): RegistrySuite {
  const suite = {} as RegistrySuite;
  beforeAll(async () => {
    suite.registry = await startRegistry(options);
    suite.work = mkdtempSync(join(tmpdir(), prefix));
    suite.docker = dockerTransport(dockerOptions(suite.registry));
    suite.transports = [...localTransports, suite.docker];
  });
  afterAll(async () => {
    suite.docker?.close();
    await suite.registry?.stop();
    if (suite.work) rmSync(suite.work, { recursive: true, force: true });
  });
  return suite;
}
