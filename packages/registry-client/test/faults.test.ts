import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { localTransports } from '@ocikit/oci-image';
import { copyImage, dockerTransport, headBlob, type DockerTransport } from '@ocikit/registry-client';
import { useProxiedRegistry } from './support/proxied-registry.js';

const BLOB = /\/blobs\/sha256:/;
const UPLOAD = /\/blobs\/uploads\//;

describe('faults between the client and the real registry', () => {
  let docker: DockerTransport;
  const transports = () => [...localTransports, docker];
  let n = 0;
  const env = useProxiedRegistry('basic', { layers: 2, layerSize: 1_500_000 });
  beforeEach(() => {
    docker?.close();
    docker = dockerTransport({ creds: `${env.registry.username}:${env.registry.password}`, retry: { baseDelayMs: 20 } });
    env.proxy.rules.length = 0;
    env.proxy.log.length = 0;
  });
  afterAll(async () => {
    docker?.close();
  });

  const push = (repo: string) =>
    copyImage(`oci:${join(env.work, 'src')}:v1`, `docker://${env.proxy.host}/${repo}:v1`, { sourceTransports: transports(), destinationTransports: transports() });
  const pull = (repo: string, dir: string) =>
    copyImage(`docker://${env.proxy.host}/${repo}:v1`, `oci:${join(env.work, dir)}:v1`, { sourceTransports: transports(), destinationTransports: transports() });

  it('retries 500 and 503 and completes', async () => {
    env.proxy.rules.push({ method: 'POST', path: UPLOAD, times: 2, action: { kind: 'status', status: 503 } });
    env.proxy.rules.push({ method: 'HEAD', path: BLOB, times: 1, action: { kind: 'status', status: 500 } });
    const result = await push('faults/five');
    expect(result.digest).toBe(env.image.manifest.digest);
    expect(env.proxy.log).toHaveLength(3);
    env.proxy.rules.push({ method: 'GET', path: /\/manifests\//, times: 2, action: { kind: 'status', status: 502 } });
    expect((await pull('faults/five', 'five')).digest).toBe(env.image.manifest.digest);
  });

  it('honours 429 Retry-After', async () => {
    env.proxy.rules.push({ method: 'GET', path: /\/manifests\//, times: 1, action: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } });
    await push('faults/rate');
    const started = Date.now();
    expect((await pull('faults/rate', 'rate')).digest).toBe(env.image.manifest.digest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(env.proxy.log).toEqual(['GET /v2/faults/rate/manifests/v1 -> status']);
  });

  it('resumes a download dropped mid-blob with Range and verifies it', async () => {
    await push('faults/drop');
    env.proxy.rules.push({ method: 'GET', path: BLOB, times: 2, action: { kind: 'drop-mid-body' } });
    const result = await pull('faults/drop', 'drop');
    expect(result.digest).toBe(env.image.manifest.digest);
    expect(env.proxy.log.filter((l) => l.endsWith('drop-mid-body'))).toHaveLength(2);
    env.proxy.rules.push({ method: 'GET', path: /\/manifests\//, times: 1, action: { kind: 'drop-mid-body' } });
    expect((await pull('faults/drop', 'drop2')).digest).toBe(env.image.manifest.digest);
    expect(env.proxy.log.at(-1)).toMatch(/^GET \/v2\/faults\/drop\/manifests\/v1 -> drop-mid-body/);
    const names = readdirSync(join(env.work, 'drop', 'blobs', 'sha256'));
    expect(names.some((n) => n.startsWith('.'))).toBe(false);
    expect(names).toHaveLength(4);
  });

  it('sends an upload again after the connection drops mid-blob, leaving no partial blob', async () => {
    env.proxy.rules.push({ method: 'PUT', path: UPLOAD, times: 1, action: { kind: 'drop-mid-upload' } });
    const result = await push('faults/upload');
    expect(result.digest).toBe(env.image.manifest.digest);
    expect(env.proxy.log).toEqual([expect.stringMatching(/^PUT \/v2\/faults\/upload\/blobs\/uploads\/.* -> drop-mid-upload \(\d+ bytes\)$/)]);
  });

  it('fails with one clear line when the faults outlast the retries; nothing partial is visible', async () => {
    env.proxy.rules.push({ method: 'PUT', path: UPLOAD, times: 10, action: { kind: 'drop-mid-upload' } });
    const error = (await push(`faults/broken${n++}`).catch((e: unknown) => e)) as { code: string; toLine(): string };
    expect(error.code).toBe('ERR_REGISTRY_NETWORK');
    expect(error.toLine()).not.toMatch(/\n|_state|Basic /);
    expect(error.toLine()).not.toContain(env.registry.password);
    // The failed copy stops its other uploads (copyImage aborts them); the drop rule stays on
    // while we look, so no straggler can land a whole blob and blur what this checks.
    const client = await docker.client(env.proxy.host);
    for (const layer of env.image.layers) expect(await headBlob(client, `faults/broken${n - 1}`, layer.digest)).toBeUndefined();
  });

  it('completes through a slow response', async () => {
    await push('faults/slow');
    env.proxy.rules.push({ method: 'GET', path: /\/manifests\//, times: 1, action: { kind: 'delay', ms: 700 } });
    env.proxy.rules.push({ method: 'GET', path: BLOB, times: 1, action: { kind: 'throttle', bytesPerChunk: 64 * 1024, pauseMs: 5 } });
    expect((await pull('faults/slow', 'slow')).digest).toBe(env.image.manifest.digest);
  });

  // Redirects to another host (no Authorization sent there) are in http-contract.test.ts, for both HTTP layers.

  it('rejects a blob whose bytes do not match its digest', async () => {
    await push('faults/corrupt');
    const liar: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(env.image.layers[0]!.size) });
      res.end(Buffer.alloc(env.image.layers[0]!.size, 7));
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    const port = (liar.address() as AddressInfo).port;
    env.proxy.rules.push({ method: 'GET', path: new RegExp(env.image.layers[0]!.digest.slice(7)), times: 5, action: { kind: 'redirect', to: () => `http://127.0.0.1:${port}/blob` } });
    try {
      const error = (await pull('faults/corrupt', 'corrupt').catch((e: unknown) => e)) as { code: string };
      expect(error.code).toBe('ERR_OCI_DIGEST_MISMATCH');
    } finally {
      await new Promise<void>((r) => liar.close(() => r()));
    }
    // Other blobs of the failed copy may still be landing; give them a moment.
    await new Promise((r) => setTimeout(r, 500));
    const names = readdirSync(join(env.work, 'corrupt', 'blobs', 'sha256'));
    expect(names).not.toContain(env.image.layers[0]!.digest.slice(7));
    expect(names.some((n) => n.startsWith('.'))).toBe(false);
  });
});
