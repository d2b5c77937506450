import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localTransports } from '@ocikit/oci-image';
import { copyImage, dockerTransport, getManifest } from '@ocikit/registry-client';
import { useProxiedRegistry } from './support/proxied-registry.js';

describe('chunked uploads against the real registry', () => {
  const env = useProxiedRegistry('token', { layers: 1, layerSize: 700_000 });

  it('uploads in PATCH chunks no smaller than OCI-Chunk-Min-Length, with a relative Location', async () => {
    const minimum = 300_000;
    env.proxy.rules.push({
      method: 'POST',
      path: /\/blobs\/uploads\/$/,
      times: 10,
      action: {
        kind: 'rewrite',
        headers: (h) => ({ ...h, 'oci-chunk-min-length': String(minimum), location: new URL(String(h.location), 'http://x').pathname + new URL(String(h.location), 'http://x').search }),
      },
    });
    env.proxy.rules.push({ method: 'PATCH', path: /\/blobs\/uploads\//, times: 100, action: { kind: 'rewrite', headers: (h) => h } });
    const docker = dockerTransport({ creds: `${env.registry.username}:${env.registry.password}`, chunkSize: 100_000 });
    const transports = [...localTransports, docker];
    const result = await copyImage(`oci:${join(env.work, 'src')}:v1`, `docker://${env.proxy.host}/up/chunked:v1`, { sourceTransports: transports, destinationTransports: transports });
    expect(result.digest).toBe(env.image.manifest.digest);
    const raw = await getManifest(await docker.client(env.proxy.host), 'up/chunked', 'v1');
    expect(raw.bytes.equals(env.image.manifestBytes)).toBe(true);
    docker.close();
    const layerSize = env.image.layers[0]!.size;
    expect(layerSize).toBeGreaterThan(2 * minimum);
    expect(env.proxy.log.filter((l) => l.startsWith('POST'))).toHaveLength(2);
    const patches = env.proxy.log.filter((l) => l.startsWith('PATCH')).map((l) => Number(/\((\d+) bytes\)/.exec(l)?.[1]));
    // The config is one short chunk; the layer goes in chunks of the minimum, then the rest.
    expect(patches.reduce((a, b) => a + b, 0)).toBe(layerSize + env.image.config.size);
    expect(patches.filter((n) => n === minimum)).toHaveLength(Math.floor(layerSize / minimum));
    expect(patches.every((n) => n <= minimum)).toBe(true);
  });

});

describe('bearer tokens (in-process fake registry)', () => {
  it('refreshes a rejected token once on 401, and only once', async () => {
    const { createServer } = await import('node:http');
    let issued = 0;
    let accepted = '';
    let alwaysDeny = false;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        issued++;
        accepted = `token-${issued}`;
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: accepted, expires_in: 300 }));
      }
      if (alwaysDeny || req.headers.authorization !== `Bearer ${accepted}`) {
        const realm = `http://${req.headers.host}/token`;
        return res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="fake",scope="repository:r:pull"` }).end();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'r', tags: ['a'] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const { listTags } = await import('@ocikit/registry-client');
    const docker = dockerTransport({ creds: 'u:p' });
    const client = await docker.client(host);
    try {
      expect(await listTags(client, 'r')).toEqual(['a']);
      expect(issued).toBe(1);
      expect(await listTags(client, 'r')).toEqual(['a']);
      expect(issued).toBe(1);
      accepted = 'revoked';
      expect(await listTags(client, 'r')).toEqual(['a']);
      expect(issued).toBe(2);
      alwaysDeny = true;
      await expect(listTags(client, 'r')).rejects.toMatchObject({ code: 'ERR_REGISTRY_UNAUTHORIZED', status: 401 });
      expect(issued).toBe(3);
    } finally {
      docker.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
