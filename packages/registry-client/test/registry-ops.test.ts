import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf, localTransports, MediaTypes } from '@ocikit/oci-image';
import {
  copyImage,
  deleteImage,
  dockerTransport,
  getManifest,
  headManifest,
  listReferrers,
  listRepositories,
  listTags,
  parseDockerReference,
  putManifest,
  referrersTag,
  type DockerTransport,
} from '@ocikit/registry-client';
import { startRegistry, type RunningRegistry } from '../../../test/support/registry.js';
import { makeTestImage, type TestImage } from './support/images.js';

describe('registry operations (token auth, real registry)', () => {
  let registry: RunningRegistry;
  let work: string;
  let docker: DockerTransport;
  let image: TestImage;
  const transports = () => [...localTransports, docker];
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    work = mkdtempSync(join(tmpdir(), 'ocikit-rc-ops-'));
    docker = dockerTransport({ creds: `${registry.username}:${registry.password}` });
    image = await makeTestImage(join(work, 'src'), 'v1', { layers: 2, layerSize: 100_000 });
    await copyImage(`oci:${join(work, 'src')}:v1`, `docker://${registry.host}/team/base:v1`, { sourceTransports: transports(), destinationTransports: transports() });
  });
  afterAll(async () => {
    docker?.close();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('copies registry to registry by cross-repository mount', async () => {
    const events: string[] = [];
    const result = await copyImage(`docker://${registry.host}/team/base:v1`, `docker://${registry.host}/other/copy:v2`, {
      sourceTransports: transports(),
      destinationTransports: transports(),
      onProgress: (e) => events.push(e.state),
    });
    expect(result.digest).toBe(image.manifest.digest);
    expect(result.blobsCopied).toBe(0);
    expect(events.filter((s) => s === 'mounted')).toHaveLength(3);
    const raw = await getManifest(await docker.client(registry.host), 'other/copy', 'v2');
    expect(raw.bytes.equals(image.manifestBytes)).toBe(true);
    // The mount asked for pull on the source repository in the same token.
    expect(registry.tokenRequests.some((r) => r.scopes.includes('repository:team/base:pull') && r.scopes.includes('repository:other/copy:pull,push'))).toBe(true);
  });

  it('lists tags across pages (Link) and the catalog', async () => {
    const client = await docker.client(registry.host);
    const tags = ['a1', 'a2', 'b1', 'b2', 'c1'];
    await copyImage(`docker://${registry.host}/team/base:v1`, `docker://${registry.host}/team/pages:a1`, { sourceTransports: transports(), destinationTransports: transports() });
    const raw = await getManifest(client, 'team/pages', 'a1');
    for (const tag of tags) await putManifest(client, 'team/pages', tag, raw);
    // docker-registry 2.8 ignores ?n= for tags (one page, directory order); the catalog pages.
    expect((await listTags(client, 'team/pages', { pageSize: 2 })).sort()).toEqual(tags);
    const before = registry.tokenRequests.length;
    // The test token server grants what is asked, so the catalog is readable; one page per repository.
    expect(await listRepositories(client, { pageSize: 1 })).toEqual(['other/copy', 'team/base', 'team/pages']);
    expect(registry.tokenRequests.length - before).toBe(1);
  });

  it('deletes a manifest by tag (resolved to its digest)', async () => {
    const client = await docker.client(registry.host);
    await copyImage(`docker://${registry.host}/team/base:v1`, `docker://${registry.host}/team/gone:x`, { sourceTransports: transports(), destinationTransports: transports() });
    const digest = await deleteImage(docker, parseDockerReference(`${registry.host}/team/gone:x`));
    expect(digest).toBe(image.manifest.digest);
    expect(await headManifest(client, 'team/gone', digest)).toBeUndefined();
    await expect(deleteImage(docker, parseDockerReference(`${registry.host}/team/gone:x`))).rejects.toMatchObject({ code: 'ERR_OCI_MANIFEST_UNKNOWN' });
  });

  it('keeps the referrers tag schema on a registry without the referrers API', async () => {
    const client = await docker.client(registry.host);
    const emptyConfig = Buffer.from('{}');
    const layout = join(work, 'sig');
    const { OciLayout, withRef } = await import('@ocikit/oci-image');
    const l = await OciLayout.init(layout);
    const configDesc = await l.putBlobBytes(emptyConfig, MediaTypes.ociEmpty);
    const payload = await l.putBlobBytes(Buffer.from('signature-bytes'), 'application/vnd.example.signature');
    const artifact = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.example.signature',
      config: configDesc,
      layers: [payload],
      subject: image.manifest,
      annotations: { 'org.example.kind': 'test' },
    };
    const bytes = Buffer.from(JSON.stringify(artifact));
    const desc = await l.putBlobBytes(bytes, MediaTypes.ociManifest);
    await l.updateIndex((i) => withRef(i, 'sig', desc));
    await copyImage(`oci:${layout}:sig`, `docker://${registry.host}/team/base:sig`, { sourceTransports: transports(), destinationTransports: transports() });
    const found = await listReferrers(client, 'team/base', image.manifest.digest);
    expect(found.via).toBe('tag');
    expect(found.index.manifests).toEqual([
      { mediaType: MediaTypes.ociManifest, digest: digestOf(bytes), size: bytes.length, artifactType: 'application/vnd.example.signature', annotations: { 'org.example.kind': 'test' } },
    ]);
    expect((await getManifest(client, 'team/base', referrersTag(image.manifest.digest))).mediaType).toBe(MediaTypes.ociIndex);
    expect((await listReferrers(client, 'team/base', image.manifest.digest, { artifactType: 'other/type' })).index.manifests).toEqual([]);
    expect((await listReferrers(client, 'team/base', `sha256:${'0'.repeat(64)}`)).index.manifests).toEqual([]);
  });
});

describe('referrers API and tag pages (in-process fake registry)', () => {
  let server: Server;
  let host: string;
  const subject = `sha256:${'1'.repeat(64)}`;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/v2/') return res.writeHead(200).end();
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v2/repo/tags/list') {
        // Pages of two, with a relative Link as distribution sends it.
        const all = ['t1', 't2', 't3', 't4', 't5'];
        const n = Number(url.searchParams.get('n') ?? 2);
        const last = url.searchParams.get('last');
        const start = last ? all.indexOf(last) + 1 : 0;
        const page = all.slice(start, start + n);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (start + n < all.length) headers.link = `</v2/repo/tags/list?last=${page[page.length - 1]}&n=${n}>; rel="next"`;
        return res.writeHead(200, headers).end(JSON.stringify({ name: 'repo', tags: page }));
      }
      if (req.url?.startsWith(`/v2/repo/referrers/${subject}`)) {
        const index = {
          schemaVersion: 2,
          mediaType: MediaTypes.ociIndex,
          manifests: [
            { mediaType: MediaTypes.ociManifest, digest: `sha256:${'2'.repeat(64)}`, size: 10, artifactType: 'a/b' },
            { mediaType: MediaTypes.ociManifest, digest: `sha256:${'3'.repeat(64)}`, size: 10, artifactType: 'c/d' },
          ],
        };
        return res.writeHead(200, { 'content-type': MediaTypes.ociIndex }).end(JSON.stringify(index));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('uses the API when the registry has it and filters by artifactType', async () => {
    const docker = dockerTransport({});
    const client = await docker.client(host);
    const all = await listReferrers(client, 'repo', subject);
    expect(all.via).toBe('api');
    expect(all.index.manifests).toHaveLength(2);
    const some = await listReferrers(client, 'repo', subject, { artifactType: 'c/d' });
    expect(some.index.manifests.map((d) => d.artifactType)).toEqual(['c/d']);
    expect(seen).toContain(`GET /v2/repo/referrers/${subject}?artifactType=c%2Fd`);
    expect(seen.some((s) => s.includes('manifests/sha256-'))).toBe(false);
    docker.close();
  });

  it('follows Link pagination of the tags list', async () => {
    const docker = dockerTransport({});
    const client = await docker.client(host);
    expect(await listTags(client, 'repo', { pageSize: 2 })).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(seen.filter((s) => s.startsWith('GET /v2/repo/tags/list'))).toEqual([
      'GET /v2/repo/tags/list?n=2',
      'GET /v2/repo/tags/list?last=t2&n=2',
      'GET /v2/repo/tags/list?last=t4&n=2',
    ]);
    docker.close();
  });
});
