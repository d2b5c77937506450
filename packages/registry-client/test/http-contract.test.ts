import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { localTransports, readAll } from '@ocikit/oci-image';
import {
  copyImage,
  dockerTransport,
  downloadBlob,
  getManifest,
  networkError,
  nodeFetch,
  nodeHttp,
  readBody,
  type DockerTransport,
  type HttpFetch,
  type NodeFetchOptions,
} from '@ocikit/registry-client';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { useProxiedRegistry } from './support/proxied-registry.js';

/**
 * The HttpFetch contract, run against both implementations: node:http (the
 * default) and node-fetch (kept as an option). Same registry, same faults,
 * same expectations, so neither rots.
 */
const implementations: Array<[string, (options?: NodeFetchOptions) => HttpFetch & { close(): void }]> = [
  ['node:http', nodeHttp],
  ['node-fetch', nodeFetch],
];

const BLOB = /\/blobs\/sha256:/;
const UPLOAD = /\/blobs\/uploads\//;

const env = useProxiedRegistry('basic', { layers: 2, layerSize: 1_200_000 });

describe.each(implementations)('HttpFetch contract: %s', (name, makeFetch) => {
  let fetch: HttpFetch & { close(): void };
  let docker: DockerTransport;
  const transports = () => [...localTransports, docker];
  const repo = (what: string) => `contract/${name.replace(/\W/g, '')}-${what}`;
  const push = (to: string) =>
    copyImage(`oci:${join(env.work, 'src')}:v1`, `docker://${env.proxy.host}/${to}:v1`, { sourceTransports: transports(), destinationTransports: transports() });
  const pull = (from: string, dir: string) =>
    copyImage(`docker://${env.proxy.host}/${from}:v1`, `oci:${join(env.work, name.replace(/\W/g, ''), dir)}:v1`, { sourceTransports: transports(), destinationTransports: transports() });

  beforeEach(() => {
    docker?.close();
    fetch = makeFetch();
    docker = dockerTransport({ fetch, creds: `${env.registry.username}:${env.registry.password}`, retry: { baseDelayMs: 20 } });
    env.proxy.rules.length = 0;
    env.proxy.log.length = 0;
    env.proxy.seen.length = 0;
  });
  afterAll(() => {
    docker?.close();
    fetch?.close();
  });

  it('pushes to and pulls from the real registry with every digest kept', async () => {
    const pushed = await push(repo('rt'));
    expect(pushed.digest).toBe(env.image.manifest.digest);
    expect(pushed.blobsCopied).toBe(3);
    // The top manifest goes up once, under its tag, at commit.
    expect(env.proxy.seen.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/')).map((r) => r.path)).toEqual([`/v2/${repo('rt')}/manifests/v1`]);
    const pulled = await pull(repo('rt'), 'rt');
    expect(pulled.digest).toBe(env.image.manifest.digest);
    const names = readdirSync(join(env.work, name.replace(/\W/g, ''), 'rt', 'blobs', 'sha256')).sort();
    expect(names).toEqual([env.image.manifest.digest, env.image.config.digest, ...env.image.layers.map((l) => l.digest)].map((d) => d.slice(7)).sort());
    expect(env.proxy.seen.every((r) => !r.headers['accept-encoding'])).toBe(true);
  });

  it('follows a redirect to another host without the Authorization header', async () => {
    await push(repo('redirect'));
    const seen: Array<string | undefined> = [];
    const cdn: Server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const auth = `Basic ${Buffer.from(`${env.registry.username}:${env.registry.password}`).toString('base64')}`;
      request(`${env.registry.url}${req.url}`, { headers: { authorization: auth } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      }).end();
    });
    await new Promise<void>((r) => cdn.listen(0, '127.0.0.1', r));
    const port = (cdn.address() as AddressInfo).port;
    env.proxy.rules.push({ method: 'GET', path: BLOB, times: 3, action: { kind: 'redirect', to: (req) => `http://localhost:${port}${req.url}` } });
    try {
      expect((await pull(repo('redirect'), 'redirect')).digest).toBe(env.image.manifest.digest);
    } finally {
      await new Promise<void>((r) => cdn.close(() => r()));
    }
    expect(seen).toHaveLength(3);
    expect(seen.every((h) => h === undefined)).toBe(true);
    expect(env.proxy.seen.filter((r) => BLOB.test(r.path)).every((r) => r.headers.authorization?.startsWith('Basic '))).toBe(true);
  });

  it('resumes a blob dropped mid-body with a Range request, verified', async () => {
    await push(repo('range'));
    const layer = env.image.layers[0]!;
    env.proxy.rules.push({ method: 'GET', path: new RegExp(layer.digest.slice(7)), times: 1, action: { kind: 'drop-mid-body' } });
    const client = await docker.client(env.proxy.host);
    const bytes = await readAll(downloadBlob(client, repo('range'), layer, { retry: { baseDelayMs: 20 } }));
    expect(bytes.length).toBe(layer.size);
    expect(readFileSync(join(env.work, 'src', 'blobs', 'sha256', layer.digest.slice(7))).equals(bytes)).toBe(true);
    const gets = env.proxy.seen.filter((r) => r.method === 'GET' && r.path.endsWith(layer.digest));
    expect(gets).toHaveLength(2);
    expect(gets[0]!.headers.range).toBeUndefined();
    expect(gets[1]!.headers.range).toBe(`bytes=${Math.floor(layer.size / 2)}-`);
  });

  it('retries a small body cut mid-way and an upload dropped mid-blob', async () => {
    env.proxy.rules.push({ method: 'PUT', path: UPLOAD, times: 1, action: { kind: 'drop-mid-upload' } });
    expect((await push(repo('drops'))).digest).toBe(env.image.manifest.digest);
    expect(env.proxy.log).toEqual([expect.stringMatching(/^PUT .* -> drop-mid-upload/)]);
    env.proxy.rules.push({ method: 'GET', path: /\/manifests\//, times: 1, action: { kind: 'drop-mid-body' } });
    const raw = await getManifest(await docker.client(env.proxy.host), repo('drops'), 'v1');
    expect(raw.digest).toBe(env.image.manifest.digest);
    expect(env.proxy.log.at(-1)).toMatch(/manifests\/v1 -> drop-mid-body/);
  });

  it('reports a socket dropped mid-body as a retryable network error, and honours AbortSignal', async () => {
    const cut: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write(Buffer.alloc(1000));
      if (req.url === '/cut') setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((r) => cut.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(cut.address() as AddressInfo).port}`;
    try {
      const response = await fetch({ method: 'GET', url: `${base}/cut` });
      expect(response.status).toBe(200);
      const failure = await readBody(response).catch((e: unknown) => e);
      const wrapped = networkError('GET', `${base}/cut`, failure);
      expect(wrapped.code).toBe('ERR_REGISTRY_NETWORK');
      expect(wrapped.retryable).toBe(true);

      const controller = new AbortController();
      const hanging = await fetch({ method: 'GET', url: `${base}/hang`, signal: controller.signal });
      const reading = readBody(hanging).catch((e: unknown) => e);
      controller.abort();
      expect(await reading).toBeInstanceOf(Error);
      const refused = await fetch({ method: 'GET', url: 'http://127.0.0.1:1/' }).catch((e: unknown) => e);
      const classified = networkError('GET', 'http://127.0.0.1:1/', refused);
      expect(classified.code).toBe('ERR_REGISTRY_NETWORK');
      expect(classified.message).toMatch(/ECONNREFUSED/);
    } finally {
      cut.closeAllConnections();
      await new Promise<void>((r) => cut.close(() => r()));
    }
  });
});

describe('nodeHttp start-up', () => {
  it('loads neither https, tls nor zlib for a plain-HTTP registry (built package, fresh process)', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `
      const { nodeHttp } = await import(${JSON.stringify(new URL('../dist/node-http.js', import.meta.url).href)});
      const fetch = nodeHttp();
      const response = await fetch({ method: 'GET', url: ${JSON.stringify(`${env.registry.url}/v2/`)} });
      response.body.resume();
      const loaded = ['https', 'tls', 'zlib'].filter((m) => process.moduleLoadList.includes('NativeModule ' + m));
      fetch.close();
      console.log(JSON.stringify({ status: response.status, loaded }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    // 401: the registry asks for basic auth; what matters is the exchange happened over plain HTTP.
    expect(JSON.parse(out)).toEqual({ status: 401, loaded: [] });
  });

  it('exits with bulk connections kept for reuse: idle connections do not hold the process', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `
      const { nodeHttp } = await import(${JSON.stringify(new URL('../dist/node-http.js', import.meta.url).href)});
      const fetch = nodeHttp();
      for (let i = 0; i < 2; i++) {
        const response = await fetch({ method: 'GET', url: ${JSON.stringify(`${env.registry.url}/v2/`)}, bulk: true });
        for await (const _ of response.body);
        console.log(response.status);
      }`;
    // No close(): the process must end on its own, long before the pool's idle timeout.
    const started = Date.now();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(out.trim().split('\n')).toEqual(['401', '401']);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe.each(implementations)('HttpFetch TLS options: %s', (_name, makeFetch) => {
  let tls: RunningRegistry;
  beforeAll(async () => {
    tls = await startRegistry({ tls: true });
  });
  afterAll(() => tls?.stop());

  it('verifies against the given CA, refuses an unknown one, and skips verification on request', async () => {
    const ca = readFileSync(join(tls.certDir as string, 'ca.crt'));
    const cases: Array<[NodeFetchOptions, number | string]> = [
      [{ ca: [ca] }, 200],
      [{}, 'ERR_REGISTRY_TLS'],
      [{ tlsVerify: false }, 200],
    ];
    for (const [options, expected] of cases) {
      const fetch = makeFetch(options);
      try {
        const url = `${tls.url}/v2/`;
        // bulk: the path blob GETs take (bulkGet over tls.connect for node:http), twice to resume a session.
        for (const bulk of [false, true, true]) {
          const outcome = await fetch({ method: 'GET', url, bulk }).then(
            async (response) => (await readBody(response), response.status),
            (error: unknown) => networkError('GET', url, error).code,
          );
          expect(outcome).toBe(expected);
        }
      } finally {
        fetch.close();
      }
    }
  });

  it('pushes and pulls 1.2 MB layers over TLS with the given CA, every digest kept', async () => {
    const fetch = makeFetch({ ca: [readFileSync(join(tls.certDir as string, 'ca.crt'))] });
    const docker = dockerTransport({ fetch, retry: { baseDelayMs: 20 } });
    const transports = [...localTransports, docker];
    const into = join(env.work, `tls-${_name.replace(/\W/g, '')}`);
    try {
      const pushed = await copyImage(`oci:${join(env.work, 'src')}:v1`, `docker://${tls.host}/contract/tls:v1`, { sourceTransports: transports, destinationTransports: transports });
      const pulled = await copyImage(`docker://${tls.host}/contract/tls:v1`, `oci:${into}:v1`, { sourceTransports: transports, destinationTransports: transports });
      expect(pulled.digest).toBe(pushed.digest);
      for (const layer of env.image.layers) {
        expect(layer.size).toBeGreaterThan(1024 * 1024);
        expect(readFileSync(join(into, 'blobs', 'sha256', layer.digest.slice(7))).equals(readFileSync(join(env.work, 'src', 'blobs', 'sha256', layer.digest.slice(7))))).toBe(true);
      }
    } finally {
      docker.close();
      fetch.close();
    }
  });

  it('builds one TLS context for all its connections, not one per socket', async () => {
    const tlsModule = createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
    const contexts = vi.spyOn(tlsModule, 'createSecureContext');
    syncBuiltinESMExports();
    const fetch = makeFetch({ ca: [readFileSync(join(tls.certDir as string, 'ca.crt'))] });
    try {
      // Side by side, so each request needs a socket of its own.
      const statuses = await Promise.all(
        [1, 2, 3, 4].map(() => fetch({ method: 'GET', url: `${tls.url}/v2/` }).then((response) => (response.body.resume(), response.status))),
      );
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(contexts).toHaveBeenCalledTimes(1);
    } finally {
      fetch.close();
      contexts.mockRestore();
      syncBuiltinESMExports();
    }
  });
});
