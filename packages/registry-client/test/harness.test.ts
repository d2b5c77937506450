import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';

function status(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    send(`${url}/v2/`, { agent: false, ...(ca ? { ca: readFileSync(ca) } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('registry harness', () => {
  const running: RunningRegistry[] = [];
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });
  it('starts every variant and answers /v2/', async () => {
    for (const variant of [{}, { auth: 'basic' as const }, { auth: 'token' as const, tls: true }]) {
      const r = await startRegistry(variant);
      running.push(r);
      expect(await status(r.url, r.caCertPath)).toBe(variant.auth ? 401 : 200);
    }
  });
});
