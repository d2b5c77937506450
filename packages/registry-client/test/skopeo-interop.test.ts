import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { copyImage, getManifest } from '@ocikit/registry-client';
import type { RunningRegistry } from '../../../test/support/registry.js';
import { makeTestImage } from './support/images.js';
import { useRegistry } from './support/registry-suite.js';

const exec = promisify(execFile);

function blobNames(layout: string): string[] {
  return readdirSync(join(layout, 'blobs', 'sha256')).filter((n) => !n.startsWith('.')).sort();
}

function credsOf(registry: RunningRegistry): string {
  return `${registry.username}:${registry.password}`;
}

function topManifest(layout: string): Buffer {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  return readFileSync(join(layout, 'blobs', 'sha256', index.manifests[0].digest.slice(7)));
}

describe('interop with skopeo through the real registry (token auth)', () => {
  const suite = useRegistry({ auth: 'token' }, 'ocikit-rc-skopeo-', (registry) => ({ creds: credsOf(registry) }));
  const creds = () => credsOf(suite.registry);

  it('skopeo pulls what we pushed, byte for byte', async () => {
    const image = await makeTestImage(join(suite.work, 'ours'), 'v1', { layers: 3, layerSize: 200_000 });
    await copyImage(`oci:${join(suite.work, 'ours')}:v1`, `docker://${suite.registry.host}/interop/ours:v1`, { sourceTransports: suite.transports, destinationTransports: suite.transports });
    await exec('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--src-creds', creds(), `docker://${suite.registry.host}/interop/ours:v1`, `oci:${join(suite.work, 'by-skopeo')}:v1`]);
    expect(topManifest(join(suite.work, 'by-skopeo')).equals(image.manifestBytes)).toBe(true);
    expect(blobNames(join(suite.work, 'by-skopeo'))).toEqual(blobNames(join(suite.work, 'ours')));
    const { stdout } = await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', creds(), `docker://${suite.registry.host}/interop/ours:v1`]);
    expect(Buffer.from(stdout).equals(image.manifestBytes)).toBe(true);
  });

  it('we pull what skopeo pushed, byte for byte, busybox included', async () => {
    // A real binary layer (busybox-static) plus a random one.
    const image = await makeTestImage(join(suite.work, 'theirs-src'), 'v1', { layers: 1, layerSize: 150_000, files: [{ name: 'bin/busybox', data: readFileSync('/bin/busybox') }] });
    await exec('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', creds(), `oci:${join(suite.work, 'theirs-src')}:v1`, `docker://${suite.registry.host}/interop/theirs:v1`]);
    const raw = await getManifest(await suite.docker.client(suite.registry.host), 'interop/theirs', 'v1');
    const pulled = await copyImage(`docker://${suite.registry.host}/interop/theirs:v1`, `oci:${join(suite.work, 'by-us')}:v1`, { sourceTransports: suite.transports, destinationTransports: suite.transports });
    expect(pulled.digest).toBe(raw.digest);
    expect(topManifest(join(suite.work, 'by-us')).equals(raw.bytes)).toBe(true);
    // skopeo keeps an OCI manifest as it is when the registry takes OCI.
    expect(raw.bytes.equals(image.manifestBytes)).toBe(true);
    expect(blobNames(join(suite.work, 'by-us'))).toEqual(blobNames(join(suite.work, 'theirs-src')));
  });

  it('we pull a Docker schema2 image that skopeo converted, keeping its bytes', async () => {
    await makeTestImage(join(suite.work, 'v2s2-src'), 'v1', { layers: 1, layerSize: 10_000 });
    await exec('skopeo', ['copy', '--quiet', '--format', 'v2s2', '--dest-tls-verify=false', '--dest-creds', creds(), `oci:${join(suite.work, 'v2s2-src')}:v1`, `docker://${suite.registry.host}/interop/v2s2:v1`]);
    const raw = await getManifest(await suite.docker.client(suite.registry.host), 'interop/v2s2', 'v1');
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const pulled = await copyImage(`docker://${suite.registry.host}/interop/v2s2:v1`, `oci:${join(suite.work, 'v2s2-us')}:v1`, { sourceTransports: suite.transports, destinationTransports: suite.transports });
    expect(pulled.digest).toBe(raw.digest);
    expect(topManifest(join(suite.work, 'v2s2-us')).equals(raw.bytes)).toBe(true);
  });
});
