import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTransports } from '@ocikit/oci-image';
import { copyImage, dockerTransport, getManifest, type DockerTransport } from '@ocikit/registry-client';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { makeTestImage } from './support/images.js';

const exec = promisify(execFile);

function blobNames(layout: string): string[] {
  return readdirSync(join(layout, 'blobs', 'sha256')).filter((n) => !n.startsWith('.')).sort();
}

function topManifest(layout: string): Buffer {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  return readFileSync(join(layout, 'blobs', 'sha256', index.manifests[0].digest.slice(7)));
}

describe('interop with skopeo through the real registry (token auth)', () => {
  let registry: RunningRegistry;
  let work: string;
  let docker: DockerTransport;
  let creds: string;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    work = mkdtempSync(join(tmpdir(), 'ocikit-rc-skopeo-'));
    creds = `${registry.username}:${registry.password}`;
    docker = dockerTransport({ creds });
  });
  afterAll(async () => {
    docker?.close();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('skopeo pulls what we pushed, byte for byte', async () => {
    const image = await makeTestImage(join(work, 'ours'), 'v1', { layers: 3, layerSize: 200_000 });
    const transports = [...localTransports, docker];
    await copyImage(`oci:${join(work, 'ours')}:v1`, `docker://${registry.host}/interop/ours:v1`, { sourceTransports: transports, destinationTransports: transports });
    await exec('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--src-creds', creds, `docker://${registry.host}/interop/ours:v1`, `oci:${join(work, 'by-skopeo')}:v1`]);
    expect(topManifest(join(work, 'by-skopeo')).equals(image.manifestBytes)).toBe(true);
    expect(blobNames(join(work, 'by-skopeo'))).toEqual(blobNames(join(work, 'ours')));
    const { stdout } = await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${registry.host}/interop/ours:v1`]);
    expect(Buffer.from(stdout).equals(image.manifestBytes)).toBe(true);
  });

  it('we pull what skopeo pushed, byte for byte, busybox included', async () => {
    // A real binary layer (busybox-static) plus a random one.
    const image = await makeTestImage(join(work, 'theirs-src'), 'v1', { layers: 1, layerSize: 150_000, files: [{ name: 'bin/busybox', data: readFileSync('/bin/busybox') }] });
    await exec('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${join(work, 'theirs-src')}:v1`, `docker://${registry.host}/interop/theirs:v1`]);
    const raw = await getManifest(await docker.client(registry.host), 'interop/theirs', 'v1');
    const transports = [...localTransports, docker];
    const pulled = await copyImage(`docker://${registry.host}/interop/theirs:v1`, `oci:${join(work, 'by-us')}:v1`, { sourceTransports: transports, destinationTransports: transports });
    expect(pulled.digest).toBe(raw.digest);
    expect(topManifest(join(work, 'by-us')).equals(raw.bytes)).toBe(true);
    // skopeo keeps an OCI manifest as it is when the registry takes OCI.
    expect(raw.bytes.equals(image.manifestBytes)).toBe(true);
    expect(blobNames(join(work, 'by-us'))).toEqual(blobNames(join(work, 'theirs-src')));
  });

  it('we pull a Docker schema2 image that skopeo converted, keeping its bytes', async () => {
    await makeTestImage(join(work, 'v2s2-src'), 'v1', { layers: 1, layerSize: 10_000 });
    await exec('skopeo', ['copy', '--quiet', '--format', 'v2s2', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${join(work, 'v2s2-src')}:v1`, `docker://${registry.host}/interop/v2s2:v1`]);
    const raw = await getManifest(await docker.client(registry.host), 'interop/v2s2', 'v1');
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const transports = [...localTransports, docker];
    const pulled = await copyImage(`docker://${registry.host}/interop/v2s2:v1`, `oci:${join(work, 'v2s2-us')}:v1`, { sourceTransports: transports, destinationTransports: transports });
    expect(pulled.digest).toBe(raw.digest);
    expect(topManifest(join(work, 'v2s2-us')).equals(raw.bytes)).toBe(true);
  });
});
