import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, MediaTypes, OciLayout } from '@ocikit/oci-image';
import { buildFixtures, type Fixtures } from '../../../test/support/fixtures.js';
import { craftImage, dir, file } from './support/craft.js';
import { inspectCli, run, tempDir, type TempDir } from './support/cli.js';

/*
 * `oci-inspect inspect` against `skopeo inspect` on the same layouts, field
 * by field. skopeo 1.9 predates LayersData, so that field is checked against
 * the manifest instead.
 */
let fx: Fixtures;
let tmp: TempDir;
let crafted: string;

beforeAll(async () => {
  fx = await buildFixtures();
  tmp = await tempDir('inspect');
  crafted = join(tmp.path, 'crafted');
  await craftImage(crafted, 'labels', {
    layers: [[dir('etc'), file('etc/a', 'a')], [file('etc/b', 'bb')]],
    labels: { 'org.example.name': 'demo', simple: 'yes' },
    architecture: 'arm64',
    variant: 'v8',
    config: { Env: ['A=1', 'B=two words'], docker_version: '24.0.7' },
  });
});
afterAll(() => tmp.remove());

async function both(ref: string, ...flags: string[]) {
  const [ours, theirs] = await Promise.all([inspectCli('inspect', ...flags, ref), run('skopeo', ['inspect', ...flags, ref])]);
  expect(ours.code, ours.stderr).toBe(0);
  expect(theirs.code, theirs.stderr).toBe(0);
  return { ours, theirs };
}

// skopeo 1.9 prints no Variant; newer ones do, and then it must agree too.
const SKOPEO_FIELDS = ['Name', 'Digest', 'RepoTags', 'Created', 'DockerVersion', 'Labels', 'Architecture', 'Os', 'Layers', 'Env'] as const;
const sameVariant = (a: Record<string, unknown>, b: Record<string, unknown>) => {
  if ('Variant' in b) expect(a.Variant).toBe(b.Variant);
};

describe('inspect', () => {
  it.each(['busybox', 'multilayer'] as const)('agrees with skopeo inspect field by field (%s fixture)', async (name) => {
    const { ours, theirs } = await both(fx[name].ref);
    const a = JSON.parse(ours.stdout) as Record<string, unknown>;
    const b = JSON.parse(theirs.stdout) as Record<string, unknown>;
    for (const field of SKOPEO_FIELDS) expect([field, a[field]]).toEqual([field, b[field]]);
    const manifest = JSON.parse((await run('skopeo', ['inspect', '--raw', fx[name].ref])).stdout) as { layers: Array<{ mediaType: string; digest: string; size: number }> };
    expect(a.LayersData).toEqual(manifest.layers.map((l) => ({ MIMEType: l.mediaType, Digest: l.digest, Size: l.size, Annotations: null })));
  });

  it('agrees with skopeo on oci-archive:, dir: (Docker schema2 too), uncompressed and nested-index images', async () => {
    const archive = join(tmp.path, 'multilayer.tar');
    const copied = await run('skopeo', ['copy', '-q', fx.multilayer.ref, `oci-archive:${archive}`]);
    expect(copied.code, copied.stderr).toBe(0);
    const refs = [`oci-archive:${archive}`, fx.formats.dockerV2s2.ref, fx.formats.uncompressed.ref, fx.formats.nested.ref];
    for (const ref of refs) {
      const { ours, theirs } = await both(ref);
      const a = JSON.parse(ours.stdout) as Record<string, unknown>;
      const b = JSON.parse(theirs.stdout) as Record<string, unknown>;
      for (const field of SKOPEO_FIELDS) expect([ref, field, a[field]]).toEqual([ref, field, b[field]]);
    }
    // ls reads the archive and the dir: image like the layout they hold.
    const [fromArchive, fromLayout] = await Promise.all([inspectCli('ls', '-l', `oci-archive:${archive}`), inspectCli('ls', '-l', fx.multilayer.ref)]);
    expect(fromArchive.stdout).toBe(fromLayout.stdout);
  });

  it('agrees with skopeo on labels, variant, docker version and Go time formatting', async () => {
    const ref = `oci:${crafted}:labels`;
    const { ours, theirs } = await both(ref);
    const a = JSON.parse(ours.stdout) as Record<string, unknown>;
    const b = JSON.parse(theirs.stdout) as Record<string, unknown>;
    for (const field of SKOPEO_FIELDS) expect([field, a[field]]).toEqual([field, b[field]]);
    sameVariant(a, b);
    expect(a.Created).toBe('2024-01-02T03:04:05.12Z');
    expect(a.Variant).toBe('v8');
    expect(Object.keys(a)).toEqual(['Digest', 'RepoTags', 'Created', 'DockerVersion', 'Labels', 'Architecture', 'Variant', 'Os', 'Layers', 'LayersData', 'Env']);
  });

  it('--raw prints the manifest bytes and --config --raw the config bytes exactly as skopeo does', async () => {
    for (const flags of [['--raw'], ['--config', '--raw']]) {
      const { ours, theirs } = await both(fx.multilayer.ref, ...flags);
      expect(ours.stdoutBytes.equals(theirs.stdoutBytes)).toBe(true);
    }
    const { ours, theirs } = await both(fx.multilayer.ref, '--config');
    expect(JSON.parse(ours.stdout)).toEqual(JSON.parse(theirs.stdout));
  });

  it('--format renders single fields, map keys and json', async () => {
    const ref = `oci:${crafted}:labels`;
    const digest = JSON.parse((await inspectCli('inspect', ref)).stdout).Digest as string;
    const result = await inspectCli('inspect', '--format', '{{.Digest}} {{.Labels.simple}} {{index .Labels "org.example.name"}} {{json .Env}} {{.Architecture}}', ref);
    expect(result.stdout).toBe(`${digest} yes demo ["A=1","B=two words"] arm64\n`);
    const skopeo = await run('skopeo', ['inspect', '--format', '{{.Digest}} {{.Labels.simple}} {{.Env}} {{.Layers}}', ref]);
    const ours = await inspectCli('inspect', '--format', '{{.Digest}} {{.Labels.simple}} {{.Env}} {{.Layers}}', ref);
    expect(ours.stdout.trim()).toBe(skopeo.stdout.trim());
  });

  it('selects the image of an index by --platform and --override-arch, like skopeo --override-arch', async () => {
    const mf = fx.multiarch;
    for (const image of mf.images) {
      const { os, architecture, variant } = image.platform;
      const ours = await inspectCli('inspect', '--platform', [os, architecture, variant].filter(Boolean).join('/'), mf.ref);
      expect(ours.code, ours.stderr).toBe(0);
      // Like skopeo, Digest is that of what the reference names (the index); the layers are the chosen image's.
      expect(JSON.parse(ours.stdout).Digest).toBe(mf.indexDigest);
      expect(JSON.parse(ours.stdout).Layers).toEqual(image.layers);
      const flags = ['--override-os', os, '--override-arch', architecture, ...(variant ? ['--override-variant', variant] : [])];
      const [a, b] = await Promise.all([inspectCli('inspect', ...flags, mf.ref), run('skopeo', ['inspect', ...flags, mf.ref])]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const mine = JSON.parse(a.stdout) as Record<string, unknown>;
      const theirs = JSON.parse(b.stdout) as Record<string, unknown>;
      for (const field of SKOPEO_FIELDS) expect([field, mine[field]]).toEqual([field, theirs[field]]);
      sameVariant(mine, theirs);
    }
    const raw = await inspectCli('inspect', '--raw', mf.ref);
    expect(digestOf(raw.stdoutBytes)).toBe(mf.indexDigest);
  });
});

describe('errors: one clear line, non-zero exit', () => {
  async function expectOneLine(args: string[], code: number, pattern: RegExp) {
    const result = await inspectCli(...args);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }

  it('bad references and missing images', async () => {
    await expectOneLine(['inspect', 'nonsense'], 1, /^oci-inspect: ERR_OCI_REFERENCE: .*no transport/);
    await expectOneLine(['inspect', 'ftp:thing'], 1, /ERR_OCI_REFERENCE: .*unknown transport "ftp".*known transports: oci:/);
    await expectOneLine(['inspect', `oci:${join(tmp.path, 'nowhere')}:x`], 1, /ERR_OCI_LAYOUT: .*not an OCI image layout/);
    await expectOneLine(['inspect', `oci:${crafted}:missing`], 1, /ERR_OCI_MANIFEST_UNKNOWN: .*"missing".*refs here: labels/);
    await expectOneLine(['inspect', '--platform', 'linux/s390x', fx.multiarch.ref], 1, /ERR_OCI_PLATFORM: .*linux\/s390x.*available/);
    await expectOneLine(['ls', `oci:${crafted}:missing`], 1, /ERR_OCI_MANIFEST_UNKNOWN/);
    await expectOneLine(['inspect', fx.artifact.ref], 1, /ERR_INSPECT_NOT_IMAGE: .* is an artifact of type .*not a container image/);
    await expectOneLine(['ls', fx.artifact.ref], 1, /ERR_INSPECT_NOT_IMAGE/);
  });

  it('broken manifests and configs', async () => {
    const layout = new OciLayout(crafted);
    const notJson = await layout.putBlobBytes(Buffer.from('{"schemaVersion": 2, '), MediaTypes.ociManifest);
    await layout.tag('notjson', notJson);
    await expectOneLine(['inspect', `oci:${crafted}:notjson`], 1, /ERR_OCI_INVALID_JSON: manifest/);
    const noConfig = await layout.putBlobBytes(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, layers: [] })), MediaTypes.ociManifest);
    await layout.tag('noconfig', noConfig);
    await expectOneLine(['inspect', `oci:${crafted}:noconfig`], 1, /ERR_OCI_SCHEMA: manifest .* is invalid/);
    // A manifest whose config blob was changed after it was written.
    const good = JSON.parse((await inspectCli('inspect', '--raw', `oci:${crafted}:labels`)).stdout) as { config: { digest: string } };
    await writeFile(layout.blobPath(good.config.digest), '{"tampered":true}');
    await expectOneLine(['inspect', `oci:${crafted}:labels`], 1, /ERR_OCI_(DIGEST|SIZE)_MISMATCH/);
  });

  it('usage errors exit 2', async () => {
    await expectOneLine(['inspect'], 2, /ERR_OCI_USAGE: inspect: missing REF/);
    await expectOneLine(['inspect', '--bogus', 'oci:x'], 2, /ERR_OCI_USAGE: unknown option --bogus/);
    await expectOneLine(['frobnicate'], 2, /ERR_OCI_USAGE: unknown command "frobnicate"/);
    await expectOneLine(['diff', '--type', 'rpm', 'oci:a', 'oci:b'], 2, /ERR_OCI_USAGE: --type must be one of/);
    await expectOneLine(['inspect', '--format', '{{.Digest', fx.busybox.ref], 1, /ERR_INSPECT_TEMPLATE: .*unclosed action/);
  });
});
