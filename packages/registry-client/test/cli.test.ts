import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { makeTestImage, type TestImage } from './support/images.js';
import { run } from './support/cli.js';

describe('oci-registry CLI against the real registry', () => {
  let registry: RunningRegistry;
  let work: string;
  let image: TestImage;
  let env: Record<string, string>;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic' });
    work = mkdtempSync(join(tmpdir(), 'ocikit-rc-cli-'));
    image = await makeTestImage(join(work, 'src'), 'v1', { layers: 2, layerSize: 50_000 });
    // A private HOME and auth file so the user's own credentials are never read.
    env = { HOME: work, REGISTRY_AUTH_FILE: join(work, 'auth.json'), XDG_RUNTIME_DIR: '', DOCKER_CONFIG: join(work, 'docker') };
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('logs in from stdin, writing auth.json with mode 0600', async () => {
    const bad = await run(['login', '-u', registry.username, '--password-stdin', registry.host], env, 'not-the-password-42\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^oci-registry: ERR_REGISTRY_UNAUTHORIZED: .*\n$/);
    expect(bad.stderr).not.toContain('not-the-password-42');
    const good = await run(['login', '-u', registry.username, '--password-stdin', registry.host], env, `${registry.password}\n`);
    expect(good.code).toBe(0);
    expect(statSync(join(work, 'auth.json')).mode & 0o777).toBe(0o600);
  });

  it('copies, prints the reference with digest, lists tags, prints manifests and deletes', async () => {
    const push = await run(['copy', `oci:${join(work, 'src')}:v1`, `docker://${registry.host}/cli/app:v1`], env);
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    expect(push.stdout).toBe(`docker://${registry.host}/cli/app:v1@${image.manifest.digest}\n`);

    const pull = await run(['copy', '--format', 'json', '--digestfile', join(work, 'digest.txt'), `docker://${registry.host}/cli/app:v1`, `oci:${join(work, 'pulled')}:v1`], env);
    expect(JSON.parse(pull.stdout)).toMatchObject({ digest: image.manifest.digest, blobsCopied: 3 });
    expect(readFileSync(join(work, 'digest.txt'), 'utf8')).toBe(image.manifest.digest);

    const archive = await run(['copy', `docker://${registry.host}/cli/app:v1`, `oci-archive:${join(work, 'app.tar')}`], env);
    expect(archive.code).toBe(0);
    expect(archive.stdout).toContain(image.manifest.digest);
    const fromDir = await run(['copy', `oci-archive:${join(work, 'app.tar')}`, `dir:${join(work, 'dir')}`], env);
    expect(fromDir.code).toBe(0);
    const dirPush = await run(['copy', `dir:${join(work, 'dir')}`, `docker://${registry.host}/cli/fromdir:v1`], env);
    expect(dirPush.stderr).toBe('');
    expect(dirPush.stdout).toBe(`docker://${registry.host}/cli/fromdir:v1@${image.manifest.digest}\n`);

    const digest = await run(['manifest', '--digest', `docker://${registry.host}/cli/app:v1`], env);
    expect(digest.stdout).toBe(`${image.manifest.digest}\n`);
    const raw = await run(['manifest', `oci:${join(work, 'pulled')}:v1`], env);
    expect(Buffer.from(raw.stdout).equals(image.manifestBytes)).toBe(true);

    await run(['copy', `docker://${registry.host}/cli/app:v1`, `docker://${registry.host}/cli/app:v2`], env);
    const tags = await run(['tags', '--format', 'json', `docker://${registry.host}/cli/app`], env);
    expect(JSON.parse(tags.stdout).Tags.sort()).toEqual(['v1', 'v2']);

    const del = await run(['delete', `docker://${registry.host}/cli/app:v2`], env);
    expect(del.stdout).toBe(`docker://${registry.host}/cli/app@${image.manifest.digest}\n`);
    const gone = await run(['manifest', `docker://${registry.host}/cli/app:v1`], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^oci-registry: ERR_REGISTRY_NOT_FOUND: GET http:\/\/127\.0\.0\.1:\d+\/v2\/cli\/app\/manifests\/v1: HTTP 404 MANIFEST_UNKNOWN/);
  });

  it('lists referrers through the tag schema fallback', async () => {
    const { MediaTypes, OciLayout, withRef } = await import('@ocikit/oci-image');
    const dir = join(work, 'sbom');
    const layout = await OciLayout.init(dir);
    const config = await layout.putBlobBytes(Buffer.from('{}'), MediaTypes.ociEmpty);
    const payload = await layout.putBlobBytes(Buffer.from('{"sbom":true}'), 'application/spdx+json');
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, artifactType: 'application/spdx+json', config, layers: [payload], subject: image.manifest }));
    const descriptor = await layout.putBlobBytes(bytes, MediaTypes.ociManifest);
    await layout.updateIndex((i) => withRef(i, 'sbom', descriptor));
    await run(['copy', `oci:${join(work, 'src')}:v1`, `docker://${registry.host}/cli/refs:v1`], env);
    const pushed = await run(['copy', `oci:${dir}:sbom`, `docker://${registry.host}/cli/refs:sbom`], env);
    expect(pushed.code).toBe(0);
    const listed = await run(['referrers', `docker://${registry.host}/cli/refs:v1`], env);
    expect(listed.stdout).toBe(`${descriptor.digest} application/spdx+json\n`);
    const none = await run(['referrers', '--format', 'json', '--artifact-type', 'application/other', `docker://${registry.host}/cli/refs@${image.manifest.digest}`], env);
    expect(JSON.parse(none.stdout).manifests).toEqual([]);
  });

  it('syncs a repository into a folder of layouts, idempotently', async () => {
    await run(['copy', `oci:${join(work, 'src')}:v1`, `docker://${registry.host}/mirror/web:a`], env);
    await run(['copy', `oci:${join(work, 'src')}:v1`, `docker://${registry.host}/mirror/web:b`], env);
    const first = await run(['sync', `docker://${registry.host}/mirror/web`, join(work, 'mirror')], env);
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual([
      `oci:${join(work, 'mirror', 'web')}:a@${image.manifest.digest}`,
      `oci:${join(work, 'mirror', 'web')}:b@${image.manifest.digest}`,
    ]);
    const second = await run(['sync', `docker://${registry.host}/mirror/web`, join(work, 'mirror')], env);
    expect(second.stdout).toBe(first.stdout);
    const catalog = await run(['catalog', `docker://${registry.host}`], env);
    expect(catalog.stdout.split('\n')).toEqual(expect.arrayContaining(['cli/app', 'cli/fromdir', 'cli/refs', 'mirror/web']));
    const index = JSON.parse(readFileSync(join(work, 'mirror', 'web', 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(2);

    const toRegistry = await run(['sync', `docker://${registry.host}/mirror/web`, `docker://${registry.host}/copies`], env);
    expect(toRegistry.stdout).toContain(`docker://${registry.host}/copies/web:a@${image.manifest.digest}`);
  });

  it('exits 2 on usage errors and 1 with one line on failures; logout removes the credentials', async () => {
    const usage = await run(['copy', 'only-one'], env);
    expect(usage.code).toBe(2);
    const badRef = await run(['copy', 'docker://HOST/Bad', `oci:${join(work, 'x')}`], env);
    expect(badRef.code).toBe(1);
    expect(badRef.stderr).toMatch(/^oci-registry: ERR_OCI_REFERENCE: .*lowercase.*\n$/);
    const out = await run(['logout', registry.host], env);
    expect(out.code).toBe(0);
    const denied = await run(['tags', `docker://${registry.host}/cli/app`], env);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/ERR_REGISTRY_UNAUTHORIZED/);
    const creds = await run(['tags', '--creds', `${registry.username}:${registry.password}`, `docker://${registry.host}/mirror/web`], env);
    expect(creds.code).toBe(0);
    expect(creds.stdout.trim().split('\n').sort()).toEqual(['a', 'b']);
    const secret = 'SuperSecret-998877';
    const debug = await run(['tags', '--debug', '--creds', `${registry.username}:${secret}`, `docker://${registry.host}/cli/app`], env);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain('debug:');
    expect(debug.stderr).not.toContain(secret);
    expect(debug.stderr).not.toContain(Buffer.from(`${registry.username}:${secret}`).toString('base64'));
  });
});

describe('oci-registry CLI with TLS (self-signed CA)', () => {
  let registry: RunningRegistry;
  let work: string;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
    work = mkdtempSync(join(tmpdir(), 'ocikit-rc-clitls-'));
    await makeTestImage(join(work, 'src'), 'v1');
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('trusts the CA from --dest-cert-dir / --cert-dir and refuses without it', async () => {
    const env = { HOME: work, REGISTRY_AUTH_FILE: join(work, 'auth.json') };
    const untrusted = await run(['copy', '--retry-times', '1', `oci:${join(work, 'src')}:v1`, `docker://${registry.host}/tls/app:v1`], env);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^oci-registry: ERR_REGISTRY_TLS: .*--cert-dir.*\n$/);
    const pushed = await run(['copy', '--dest-cert-dir', registry.certDir as string, `oci:${join(work, 'src')}:v1`, `docker://${registry.host}/tls/app:v1`], env);
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toMatch(/^docker:\/\/127\.0\.0\.1:\d+\/tls\/app:v1@sha256:[0-9a-f]{64}\n$/);
    const digest = await run(['manifest', '--digest', '--cert-dir', registry.certDir as string, `docker://${registry.host}/tls/app:v1`], env);
    expect(pushed.stdout).toContain(digest.stdout.trim());
    const insecure = await run(['tags', '--tls-verify=false', `docker://${registry.host}/tls/app`], env);
    expect(insecure.stdout).toBe('v1\n');
  });
});
