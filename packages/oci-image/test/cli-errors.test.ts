import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestOf } from '@ocikit/oci-image';
import { OCI_IMAGE_BIN, ociImage, tempDir, testImage, writeToLayout } from './support.js';
import { spawnSync } from 'node:child_process';

/** Each bad input gives one line on stderr with a stable code, and a non-zero exit. */
function expectOneLineError(result: { status: number | null; stderr: string; stdout: string }, code: RegExp, status = 1) {
  expect(result.status).toBe(status);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(code);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

async function writeBlob(dir: string, bytes: string | Buffer): Promise<{ digest: string; size: number }> {
  const digest = digestOf(bytes);
  await writeFile(join(dir, 'blobs/sha256', digest.slice(7)), bytes);
  return { digest, size: Buffer.byteLength(bytes) };
}

async function pointIndexAt(dir: string, d: { digest: string; size: number }, mediaType = 'application/vnd.oci.image.manifest.v1+json') {
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType, ...d, annotations: { 'org.opencontainers.image.ref.name': 'bad' } }] }),
  );
}

describe('oci-image CLI on bad input', async () => {
  const root = await tempDir();
  const good = join(root, 'good');
  await writeToLayout(await testImage([{ f: 'x' }]), good, 'ok');
  let n = 0;
  const fresh = async () => {
    const dir = join(root, `bad${n++}`);
    await mkdir(join(dir, 'blobs/sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    return dir;
  };

  it('bad references and usage', () => {
    expectOneLineError(ociImage('manifest', 'nosuch:thing'), /ERR_OCI_REFERENCE: .*unknown transport/);
    expectOneLineError(ociImage('manifest', 'oci:'), /ERR_OCI_REFERENCE/);
    expectOneLineError(ociImage('manifest', `oci:${good}:bad name!`), /ERR_OCI_REFERENCE: .*not a valid ref name/);
    expectOneLineError(ociImage('manifest', `oci:${good}:@sha256:1234`), /ERR_OCI_INVALID_DIGEST/);
    expectOneLineError(ociImage('manifest', `oci:${good}:missing`), /ERR_OCI_MANIFEST_UNKNOWN: .*refs here: ok/);
    expectOneLineError(ociImage('copy', `oci:${good}:ok`), /ERR_OCI_USAGE/, 2);
    expectOneLineError(ociImage('copy', '--jobs', '0', `oci:${good}:ok`, `oci:${root}/x:y`), /ERR_OCI_USAGE: --jobs/, 2);
    expectOneLineError(ociImage('manifest', '--platform', 'linux', `oci:${good}:ok`), /ERR_OCI_REFERENCE: .*platform/);
    expectOneLineError(ociImage('config', 'set', `oci:${good}:ok`, '--env', 'NOEQUALS'), /ERR_OCI_USAGE: --env takes KEY=VALUE/, 2);
    expectOneLineError(ociImage('ls', join(root, 'not-a-layout')), /ERR_OCI_LAYOUT: .*not an OCI image layout/);
    expectOneLineError(ociImage('copy', `oci-archive:${join(root, 'missing.tar')}`, `oci:${root}/x:y`), /ERR_OCI_LAYOUT: cannot read the archive: ENOENT/);
    expectOneLineError(ociImage('copy', `dir:${join(root, 'missing-dir')}`, `oci:${root}/x:y`), /ERR_OCI_LAYOUT: .*no manifest.json/);
  });

  it('malformed JSON, schema-invalid manifests, unknown media types', async () => {
    const a = await fresh();
    await pointIndexAt(a, await writeBlob(a, '{"schemaVersion": 2, "config": '));
    expectOneLineError(ociImage('config', `oci:${a}:bad`), /ERR_OCI_INVALID_JSON/);
    const b = await fresh();
    await pointIndexAt(b, await writeBlob(b, JSON.stringify({ schemaVersion: 2, config: { mediaType: 'x/y', digest: 'nope', size: -1 }, layers: [] })));
    expectOneLineError(ociImage('config', `oci:${b}:bad`), /ERR_OCI_SCHEMA: .*\/config\/(digest|size)/);
    const c = await fresh();
    await pointIndexAt(c, await writeBlob(c, '{}'), 'application/x-unknown');
    expectOneLineError(ociImage('config', `oci:${c}:bad`), /ERR_OCI_MEDIA_TYPE/);
    const d = await fresh();
    await writeFile(join(d, 'index.json'), '{"schemaVersion": 2, "manifests": "no"}');
    expectOneLineError(ociImage('manifest', `oci:${d}:x`), /ERR_OCI_LAYOUT: .*index.json is invalid: \/manifests/);
  });

  it('wrong digests and missing blobs', async () => {
    const a = await fresh();
    const manifest = '{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:' + 'a'.repeat(64) + '","size":2},"layers":[]}';
    const d = await writeBlob(a, manifest);
    await pointIndexAt(a, d);
    expectOneLineError(ociImage('config', `oci:${a}:bad`), /ERR_OCI_BLOB_UNKNOWN/);
    const validation = ociImage('validate', a);
    expect(validation.status).toBe(1);
    expect(validation.stdout).toMatch(/config: ERR_OCI_BLOB_UNKNOWN/);
    // a manifest blob whose bytes changed under its name
    await writeFile(join(a, 'blobs/sha256', d.digest.slice(7)), manifest.replace('"layers":[]', '"layers":[ ]'));
    expectOneLineError(ociImage('manifest', `oci:${a}:bad`), /ERR_OCI_SIZE_MISMATCH|ERR_OCI_DIGEST_MISMATCH/);
  });

  it('a failing copy leaves no partial blob under a final name', async () => {
    const a = await fresh();
    const image = await testImage([{ big: 'y'.repeat(10_000) }]);
    await writeToLayout(image, a, 'src');
    const layer = (await image.manifest()).layers[0]!;
    const path = join(a, 'blobs/sha256', layer.digest.slice(7));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    const dest = join(root, 'dest');
    expectOneLineError(ociImage('copy', `oci:${a}:src`, `oci:${dest}:t`), /ERR_OCI_SIZE_MISMATCH/);
    const names = await readdir(join(dest, 'blobs/sha256'));
    expect(names).not.toContain(layer.digest.slice(7));
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(JSON.parse(await readFile(join(dest, 'index.json'), 'utf8')).manifests).toEqual([]);
  });
});

describe('oci-image CLI writing into a pipe whose reader is gone', () => {
  it('stops quietly with status 0, as cat does, for printed and raw output', async () => {
    const dir = await tempDir();
    await writeToLayout(await testImage([{ 'a.txt': 'a' }]), join(dir, 'layout'), 'v1');
    // The reader (`true`) has exited long before Node has started and writes.
    for (const args of [['manifest', `oci:${join(dir, 'layout')}:v1`], ['ls', join(dir, 'layout')]]) {
      const line = `node ${JSON.stringify(OCI_IMAGE_BIN)} ${args.map((a) => JSON.stringify(a)).join(' ')} 2>${JSON.stringify(join(dir, 'err'))} | true; echo \${PIPESTATUS[0]}`;
      const result = spawnSync('bash', ['-c', line], { encoding: 'utf8' });
      expect(result.stdout.trim(), args[0]).toBe('0');
      expect(await readFile(join(dir, 'err'), 'utf8'), args[0]).toBe('');
    }
  });
});
