import { afterAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { execFileSync } from 'node:child_process';

describe('registry harness', () => {
  const running: RunningRegistry[] = [];
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });
  it('starts every variant', async () => {
    for (const variant of [{}, { auth: 'basic' as const }, { auth: 'token' as const, tls: true }]) {
      const r = await startRegistry(variant);
      running.push(r);
      const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}'];
      if (r.caCertPath) args.push('--cacert', r.caCertPath);
      const code = execFileSync('curl', [...args, `${r.url}/v2/`]).toString();
      expect(code).toBe(variant.auth ? '401' : '200');
    }
  });
});
