import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import type { HttpFetch, HttpRequest, HttpResponse } from './http.js';
import { readBody } from './http.js';

type Answer = { status: number; body?: string; headers?: Record<string, string> };

/** A registry in a function that records requests and answers /v2/ only once `releasePing()` is called. */
function gatedRegistry(answer: (request: HttpRequest) => Answer) {
  const seen: string[] = [];
  let releasePing!: () => void;
  const pingGate = new Promise<void>((resolve) => (releasePing = resolve));
  const fetch: HttpFetch = async (request) => {
    seen.push(`${request.method} ${request.url}${request.headers?.authorization ? ' (auth)' : ''}`);
    if (new URL(request.url).pathname === '/v2/') await pingGate;
    const { status, body = '', headers = {} } = answer(request);
    const response: HttpResponse = { status, url: request.url, header: (name) => headers[name.toLowerCase()] ?? null, body: Readable.from([Buffer.from(body)]) };
    return response;
  };
  return { fetch, seen, releasePing };
}

const get = (client: RegistryClient) => client.request({ method: 'GET', path: '/v2/a/manifests/1', scopes: [], expect: [200] });

describe('RegistryClient on a registry of this machine', () => {
  it('sends its first request while the ping is still out, and uses that answer once the ping says HTTP', async () => {
    const registry = gatedRegistry(() => ({ status: 200, body: 'manifest' }));
    const client = new RegistryClient({ registry: '127.0.0.1:5000', fetch: registry.fetch, allowHttp: true });
    const pending = get(client);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(registry.seen).toEqual(['GET http://127.0.0.1:5000/v2/a/manifests/1', 'GET http://127.0.0.1:5000/v2/']);
    registry.releasePing();
    expect((await readBody(await pending)).toString()).toBe('manifest');
    expect(registry.seen).toHaveLength(2);
  });

  it('drops the early answer when the registry wants credentials, and asks again with them', async () => {
    const registry = gatedRegistry((request) =>
      request.headers?.authorization ? { status: 200, body: 'manifest' } : { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } },
    );
    registry.releasePing();
    const client = new RegistryClient({ registry: 'localhost:5000', fetch: registry.fetch, allowHttp: true, credentials: async () => ({ username: 'u', password: 'p' }) });
    expect((await readBody(await get(client))).toString()).toBe('manifest');
    expect(registry.seen.at(-1)).toBe('GET http://localhost:5000/v2/a/manifests/1 (auth)');
  });

  it('drops the early answer when the ping finds HTTPS', async () => {
    const registry = gatedRegistry((request) => (request.url.startsWith('http:') ? { status: 400, body: 'Client sent an HTTP request to an HTTPS server.' } : { status: 200, body: 'manifest' }));
    registry.releasePing();
    const client = new RegistryClient({ registry: '127.0.0.1:5000', fetch: registry.fetch, allowHttp: true });
    expect((await readBody(await get(client))).toString()).toBe('manifest');
    expect(registry.seen.at(-1)).toBe('GET https://127.0.0.1:5000/v2/a/manifests/1');
  });

  it('sends nothing early to a remote registry', async () => {
    const registry = gatedRegistry(() => ({ status: 200, body: 'manifest' }));
    const client = new RegistryClient({ registry: 'registry.example:5000', fetch: registry.fetch, allowHttp: true });
    const pending = get(client);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(registry.seen).toEqual(['GET https://registry.example:5000/v2/']);
    registry.releasePing();
    await readBody(await pending);
  });
});
