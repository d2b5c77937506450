// The fixtures are themselves checked against independent tools (umoci,
// skopeo, oci-image-tool), so that other tests can trust them as an oracle.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, expectedMultiLayerTree, fixtureBuilder, readTree, type Fixtures } from './support/fixtures.js';

const run = promisify(execFile);
const scratch: string[] = [];
let fx: Fixtures;

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** Every file under dir, by relative path. */
async function allFiles(dir: string, prefix = ''): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [name, bytes] of await allFiles(path.join(dir, entry.name), relative)) files.set(name, bytes);
    else files.set(relative, await readFile(path.join(dir, entry.name)));
  }
  return files;
}

function blobPath(layout: string, digest: string): string {
  return path.join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
}

beforeAll(async () => {
  fx = await buildFixtures();
});

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('test-fixtures are deterministic', () => {
  it('two builds in different folders give the same digests and the same bytes', async () => {
    const builder = await fixtureBuilder();
    const first = await builder.buildFixtures(await tempDir('ocikit-fx-a-'));
    const second = await builder.buildFixtures(await tempDir('ocikit-fx-b-'));
    const strip = (value: Fixtures) => JSON.parse(JSON.stringify(value).replaceAll(value.root, 'ROOT'));
    expect(strip(second)).toEqual(strip(first));
    const a = await allFiles(first.root);
    const b = await allFiles(second.root);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(a.size).toBeGreaterThan(30);
    for (const [file, bytes] of a) expect(b.get(file)?.equals(bytes), file).toBe(true);
  });

  it('gzip has a fixed header (no mtime, OS byte 255) and round-trips through zlib', async () => {
    const { gzipDeterministic } = await fixtureBuilder();
    const data = Buffer.from('some layer bytes '.repeat(100));
    const gz = gzipDeterministic(data);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    expect(gunzipSync(gz).equals(data)).toBe(true);
  });

  it('every blob is stored under its own sha256', async () => {
    const { createHash } = await import('node:crypto');
    for (const layout of [fx.busybox.layout, fx.multilayer.layout, fx.multiarch.layout, fx.artifact.layout, fx.formats.layout]) {
      const name = path.basename(layout);
      for (const blob of await readdir(path.join(layout, 'blobs', 'sha256'))) {
        const bytes = await readFile(path.join(layout, 'blobs', 'sha256', blob));
        expect(createHash('sha256').update(bytes).digest('hex'), `${name} ${blob}`).toBe(blob);
      }
    }
  });
});

describe('multilayer fixture', () => {
  it('umoci unpacks it to exactly the expected merged tree', async () => {
    const bundle = path.join(await tempDir('ocikit-fx-umoci-'), 'bundle');
    await run('umoci', ['unpack', '--image', `${fx.multilayer.layout}:${fx.multilayer.tag}`, bundle]);
    expect(readTree(path.join(bundle, 'rootfs'))).toEqual(await expectedMultiLayerTree());
  });

  it('carries the >100-byte name in a PAX header and has an empty layer', async () => {
    const { LONG_PATH } = await fixtureBuilder();
    const [base, empty] = fx.multilayer.layers;
    const baseTar = gunzipSync(await readFile(blobPath(fx.multilayer.layout, base!.digest)));
    expect(baseTar.includes(Buffer.from(` path=${LONG_PATH}\n`))).toBe(true);
    const emptyTar = gunzipSync(await readFile(blobPath(fx.multilayer.layout, empty!.digest)));
    expect(emptyTar.equals(Buffer.alloc(1024))).toBe(true);
  });

  it('keeps an empty_layer history entry beside the four layers', async () => {
    const config = JSON.parse(await readFile(blobPath(fx.multilayer.layout, fx.multilayer.configDigest), 'utf8'));
    expect(config.rootfs.diff_ids).toEqual(fx.multilayer.layers.map((layer) => layer.diffId));
    expect(config.history.filter((entry: { empty_layer?: boolean }) => !entry.empty_layer)).toHaveLength(4);
    expect(config.history).toHaveLength(5);
  });

  it('oci-image-tool validates the busybox and multilayer layouts', async () => {
    for (const image of [fx.busybox, fx.multilayer]) {
      const { stdout, stderr } = await run('oci-image-tool', ['validate', '--type', 'image', '--ref', `name=${image.tag}`, image.layout]);
      expect(`${stdout}${stderr}`).toContain('Validation succeeded');
    }
  });
});

describe('busybox fixture', () => {
  it('unpacks to a rootfs whose /bin/sh runs under chroot', async () => {
    const bundle = path.join(await tempDir('ocikit-fx-busybox-'), 'bundle');
    await run('umoci', ['unpack', '--image', `${fx.busybox.layout}:${fx.busybox.tag}`, bundle]);
    const rootfs = path.join(bundle, 'rootfs');
    const { stdout } = await run('chroot', [rootfs, '/bin/sh', '-c', 'echo hello; id -u; ls -d /tmp']);
    expect(stdout).toBe('hello\n0\n/tmp\n');
    expect(await readFile(path.join(rootfs, 'etc', 'passwd'), 'utf8')).toMatch(/^root:x:0:0:/);
  });
});

describe('multiarch fixture', () => {
  it('skopeo reads the index and picks each platform', async () => {
    const raw = JSON.parse((await run('skopeo', ['inspect', '--raw', fx.multiarch.ref])).stdout);
    expect(raw.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(raw.manifests.map((m: { digest: string }) => m.digest)).toEqual(fx.multiarch.images.map((image) => image.manifestDigest));
    expect(raw.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    for (const image of fx.multiarch.images) {
      const args = ['inspect', '--override-os', image.platform.os, '--override-arch', image.platform.architecture];
      if (image.platform.variant) args.push('--override-variant', image.platform.variant);
      const inspected = JSON.parse((await run('skopeo', [...args, fx.multiarch.ref])).stdout);
      expect(inspected.Digest).toBe(fx.multiarch.indexDigest); // skopeo reports the digest it was pointed at
      expect(inspected.Layers).toEqual(image.layers);
      expect(image.layers[0]).toBe(fx.multiarch.sharedLayerDigest);
    }
  });
});

describe('artifact fixture', () => {
  it('has artifactType, the empty config and a subject that resolves in the layout', async () => {
    const { ARTIFACT_CONTENT } = await fixtureBuilder();
    const manifest = JSON.parse((await run('skopeo', ['inspect', '--raw', fx.artifact.ref])).stdout);
    expect(manifest.artifactType).toBe(fx.artifact.artifactType);
    expect(manifest.config).toMatchObject({ mediaType: 'application/vnd.oci.empty.v1+json', size: 2, data: 'e30=' });
    expect(manifest.subject).toEqual({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: fx.artifact.subject.manifestDigest,
      size: fx.artifact.subject.size,
    });
    const subject = JSON.parse((await run('skopeo', ['inspect', '--raw', fx.artifact.subject.ref])).stdout);
    expect(subject.layers).toHaveLength(1);
    expect(await readFile(blobPath(fx.artifact.layout, fx.artifact.blobDigest), 'utf8')).toBe(ARTIFACT_CONTENT);
  });
});

describe('formats fixture', () => {
  it('skopeo reads the uncompressed image, the nested index and the Docker schema2 dir: images', async () => {
    const f = fx.formats;
    const plain = JSON.parse((await run('skopeo', ['inspect', '--raw', f.uncompressed.ref])).stdout);
    expect(plain.layers[0]).toMatchObject({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: f.uncompressed.layerDigest });
    expect(f.uncompressed.layerDigest).toBe(f.uncompressed.diffId); // an uncompressed layer is its own diffID
    const nested = JSON.parse((await run('skopeo', ['inspect', '--raw', f.nested.ref])).stdout);
    expect(nested.manifests[0]).toMatchObject({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: f.nested.innerDigest });
    const docker = JSON.parse((await run('skopeo', ['inspect', f.dockerV2s2.ref])).stdout);
    expect(docker.Digest).toBe(f.dockerV2s2.manifestDigest);
    expect(docker.Layers).toEqual([f.dockerV2s2.layerDigest]);
    const list = JSON.parse((await run('skopeo', ['inspect', '--raw', f.dockerList.ref])).stdout);
    expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(list.manifests.map((m: { digest: string }) => m.digest)).toEqual(f.dockerList.manifests.map((m) => m.digest));
  });

  it('skopeo copies the whole Docker manifest list (every child and blob) byte for byte', async () => {
    const dest = path.join(await tempDir('ocikit-fx-list-'), 'copy');
    await run('skopeo', ['copy', '-q', '--all', '--preserve-digests', fx.formats.dockerList.ref, `dir:${dest}`]);
    const original = await allFiles(fx.formats.dockerList.dir);
    const copied = await allFiles(dest);
    expect([...copied.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [file, bytes] of original) expect(copied.get(file)?.equals(bytes), file).toBe(true);
  });
});
