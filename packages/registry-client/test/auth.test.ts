import { mkdtempSync, rmSync, writeFileSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTransports } from '@ocikit/oci-image';
import { copyImage, dockerTransport, getManifest, login, logout, RegistryError } from '@ocikit/registry-client';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { makeTestImage } from './support/images.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ocikit-rc-auth-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function pushAndPull(registry: RunningRegistry, options: Parameters<typeof dockerTransport>[0], name: string) {
  const layout = join(work, name);
  const image = await makeTestImage(layout, 'v1');
  const docker = dockerTransport(options);
  try {
    const transports = [...localTransports, docker];
    const pushed = await copyImage(`oci:${layout}:v1`, `docker://${registry.host}/${name}/img:v1`, { sourceTransports: transports, destinationTransports: transports });
    expect(pushed.digest).toBe(image.manifest.digest);
    const raw = await getManifest(await docker.client(registry.host), `${name}/img`, 'v1');
    expect(raw.bytes.equals(image.manifestBytes)).toBe(true);
  } finally {
    docker.close();
  }
}

describe('basic auth (htpasswd)', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic' });
  });
  afterAll(() => registry?.stop());

  it('pushes and pulls with --creds', async () => {
    await pushAndPull(registry, { creds: `${registry.username}:${registry.password}` }, 'basic');
  });

  it('fails with one clear line and no secret for wrong credentials', async () => {
    const docker = dockerTransport({ creds: `${registry.username}:wrong-secret-123` });
    const error = await getManifest(await docker.client(registry.host), 'basic/img', 'v1').catch((e: unknown) => e);
    docker.close();
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('ERR_REGISTRY_UNAUTHORIZED');
    expect((error as RegistryError).toLine()).not.toContain('wrong-secret-123');
    expect((error as RegistryError).toLine()).not.toContain('\n');
  });

  it('login writes auth.json with mode 0600; the transport reads it; logout removes it', async () => {
    const authFile = join(work, 'auth', 'auth.json');
    await expect(login({ registry: registry.host, username: registry.username, password: 'nope', authFile })).rejects.toMatchObject({ code: 'ERR_REGISTRY_UNAUTHORIZED' });
    await login({ registry: registry.host, username: registry.username, password: registry.password, authFile });
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(authFile, 'utf8'));
    expect(Buffer.from(doc.auths[registry.host].auth, 'base64').toString()).toBe(`${registry.username}:${registry.password}`);
    await pushAndPull(registry, { authfile: authFile }, 'fromfile');
    expect(await logout({ registry: registry.host, authFile })).toBe(true);
    expect(JSON.parse(readFileSync(authFile, 'utf8')).auths).toEqual({});
    expect(await logout({ registry: registry.host, authFile })).toBe(false);
  });

  it('asks a credential helper named in credHelpers', async () => {
    const bin = join(work, 'bin');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'docker-credential-ocikit-test'),
      `#!/bin/sh\nread server\necho "$server" > ${join(work, 'helper-asked')}\nprintf '{"ServerURL":"%s","Username":"${registry.username}","Secret":"${registry.password}"}' "$server"\n`,
      { mode: 0o755 },
    );
    const config = join(work, 'docker-config.json');
    writeFileSync(config, JSON.stringify({ credHelpers: { [registry.host]: 'ocikit-test' } }));
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    try {
      await pushAndPull(registry, { authFiles: [join(work, 'missing.json'), config] }, 'helper');
    } finally {
      process.env.PATH = oldPath;
    }
    expect(readFileSync(join(work, 'helper-asked'), 'utf8').trim()).toBe(registry.host);
  });
});

describe('token auth (JWT token server)', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
  });
  afterAll(() => registry?.stop());

  it('gets bearer tokens per scope and caches them', async () => {
    await pushAndPull(registry, { creds: `${registry.username}:${registry.password}` }, 'token');
    const scopes = registry.tokenRequests.flatMap((r) => r.scopes);
    expect(scopes).toContain('repository:token/img:pull,push');
    expect(registry.tokenRequests.every((r) => r.account === registry.username)).toBe(true);
    // One token per scope set, not one per request.
    expect(registry.tokenRequests.length).toBeLessThanOrEqual(3);
  });

  it('refuses anonymous pushes with a clear error', async () => {
    const layout = join(work, 'anon');
    await makeTestImage(layout, 'v1');
    const docker = dockerTransport({});
    const transports = [...localTransports, docker];
    const error = await copyImage(`oci:${layout}:v1`, `docker://${registry.host}/anon/img:v1`, { sourceTransports: transports, destinationTransports: transports }).catch((e: unknown) => e);
    docker.close();
    expect((error as RegistryError).code).toBe('ERR_REGISTRY_UNAUTHORIZED');
  });
});

describe('repository-scoped credentials (token auth that grants per account)', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({
      auth: 'token',
      users: { alice: 'alice-pw', bob: 'bob-pw' },
      // Each account may only touch repositories under its own name.
      grant: (account, scope) => (account && scope.name.startsWith(`${account}/`) ? scope.actions : []),
    });
  });
  afterAll(() => registry?.stop());

  it('uses the most specific auth.json entry for each repository, through one transport', async () => {
    const authFile = join(work, 'scoped-auth.json');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    writeFileSync(authFile, JSON.stringify({ auths: { [`${registry.host}/alice`]: { auth: b64('alice:alice-pw') }, [registry.host]: { auth: b64('bob:bob-pw') } } }));
    const layout = join(work, 'scoped');
    await makeTestImage(layout, 'v1');
    const docker = dockerTransport({ authfile: authFile });
    const transports = [...localTransports, docker];
    try {
      for (const repo of ['alice/app', 'bob/app']) {
        const result = await copyImage(`oci:${layout}:v1`, `docker://${registry.host}/${repo}:v1`, { sourceTransports: transports, destinationTransports: transports });
        expect(result.reference).toContain(repo);
      }
    } finally {
      docker.close();
    }
    const accounts = new Set(registry.tokenRequests.map((r) => `${r.account} ${r.scopes.join(' ')}`));
    expect([...accounts].some((a) => a.startsWith('alice repository:alice/app'))).toBe(true);
    expect([...accounts].some((a) => a.startsWith('bob repository:bob/app'))).toBe(true);
  });
});

describe('TLS with a self-signed CA', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true, auth: 'basic' });
  });
  afterAll(() => registry?.stop());

  it('works with --cert-dir and fails verification without it', async () => {
    await pushAndPull(registry, { certDir: registry.certDir as string, creds: `${registry.username}:${registry.password}` }, 'tls');
    const docker = dockerTransport({ creds: `${registry.username}:${registry.password}`, retry: { attempts: 1 } });
    const error = await getManifest(await docker.client(registry.host), 'tls/img', 'v1').catch((e: unknown) => e);
    docker.close();
    expect((error as RegistryError).code).toBe('ERR_REGISTRY_TLS');
    await pushAndPull(registry, { tlsVerify: false, creds: `${registry.username}:${registry.password}` }, 'tlsoff');
  });
});

describe('TLS with a client certificate (--cert-dir *.cert and *.key)', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true, clientCert: true });
  });
  afterAll(() => registry?.stop());

  it('presents the client certificate from the cert dir, and is refused without it', async () => {
    await pushAndPull(registry, { certDir: registry.certDir as string }, 'mtls');
    const caOnly = join(work, 'ca-only');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(caOnly, { recursive: true });
    copyFileSync(join(registry.certDir as string, 'ca.crt'), join(caOnly, 'ca.crt'));
    const docker = dockerTransport({ certDir: caOnly, retry: { attempts: 1 } });
    const error = (await getManifest(await docker.client(registry.host), 'mtls/img', 'v1').catch((e: unknown) => e)) as RegistryError;
    docker.close();
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.toLine()).toMatch(/^ERR_REGISTRY_TLS: GET https:\/\/127\.0\.0\.1:\d+\/v2\/: the server refused the TLS handshake \(hint: .*client certificate/);
  });
});

