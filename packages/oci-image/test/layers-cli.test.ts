import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFixtures, copyLayout, expectedMultiLayerTree, readTree } from '../../../test/support/fixtures.js';
import { ociImage, OCI_IMAGE_BIN, run, tempDir } from './support.js';
import { tarOf } from './layers-support.js';

describe('oci-image layer, unpack and repack commands', async () => {
  const base = await tempDir();
  const fx = await buildFixtures();

  it('layer ls lists every layer, whiteouts included, as text and JSON', async () => {
    const ref = fx.multilayer.ref;
    const text = ociImage('layer', 'ls', ref);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout.match(/^# layer \d+ sha256:/gm)).toHaveLength(fx.multilayer.layers.length);
    expect(text.stdout).toMatch(/\.wh\.\.wh\.\.opq/);
    const json = JSON.parse(ociImage('layer', 'ls', ref, '--format', 'json', '--layer', '-1').stdout);
    expect(json).toHaveLength(1);
    expect(json[0].digest).toBe(fx.multilayer.layers.at(-1)!.digest);
    expect(json[0].entries[0]).toMatchObject({ path: expect.any(String), type: expect.any(String), mode: expect.any(Number) });
  });

  it('layer extract applies all layers (or one) to a folder', async () => {
    const all = join(base, 'extract-all');
    const result = ociImage('layer', 'extract', fx.multilayer.ref, all);
    expect(result.status, result.stderr).toBe(0);
    expect(readTree(all)).toEqual(await expectedMultiLayerTree());
    const first = join(base, 'extract-first');
    expect(ociImage('layer', 'extract', fx.multilayer.ref, first, '--layer', '0').status).toBe(0);
    expect(readTree(first).length).toBeGreaterThan(0);
    expect(readTree(first)).not.toEqual(readTree(all));
    const out = ociImage('layer', 'extract', fx.multilayer.ref, join(base, 'x'), '--layer', '99');
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/ERR_OCI_USAGE.*out of range/);
  });

  it('layer add takes a tar on stdin and is reproducible with SOURCE_DATE_EPOCH', async () => {
    const tar = await tarOf([
      { header: { name: 'app/', type: 'directory', mode: 0o755 } },
      { header: { name: 'app/run', mode: 0o755 }, body: '#!/bin/sh\necho hi\n' },
    ]);
    const digests: string[] = [];
    for (const copy of ['one', 'two']) {
      const layout = await copyLayout(fx.busybox.layout, join(base, copy));
      const result = run('sh', ['-c', `SOURCE_DATE_EPOCH=1600000000 "${process.execPath}" "${OCI_IMAGE_BIN}" layer add oci:${layout}:${fx.busybox.tag} - --dest oci:${layout}:app`], tar);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^oci:${layout}:app@sha256:[a-f0-9]{64}\\n$`));
      digests.push(result.stdout.trim().split('@')[1]!);
      const listed = JSON.parse(ociImage('layer', 'ls', `oci:${layout}:app`, '--layer', '-1', '--format', 'json').stdout);
      expect(listed[0].entries.map((e: { path: string; mtime: string }) => [e.path, e.mtime])).toEqual([
        ['app', '2020-09-13T12:26:40.000Z'],
        ['app/run', '2020-09-13T12:26:40.000Z'],
      ]);
    }
    expect(digests[0]).toBe(digests[1]);
  });

  it('layer add takes a folder with --base, and a tar file', async () => {
    const layout = await copyLayout(fx.busybox.layout, join(base, 'add-dir'));
    const before = join(base, 'before');
    const after = join(base, 'after');
    mkdirSync(before);
    mkdirSync(after);
    writeFileSync(join(before, 'old'), 'old');
    writeFileSync(join(after, 'new'), 'new');
    const result = ociImage('layer', 'add', `oci:${layout}:${fx.busybox.tag}`, after, '--base', before, '--compression', 'zstd');
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(ociImage('layer', 'ls', `oci:${layout}:${fx.busybox.tag}`, '--layer', '-1', '--format', 'json').stdout);
    expect(json[0].entries.map((e: { path: string }) => e.path)).toEqual(['.wh.old', 'new']);
    const tarFile = join(base, 'layer.tar');
    writeFileSync(tarFile, await tarOf([{ header: { name: 'from-file' }, body: 'x' }]));
    expect(ociImage('layer', 'add', `oci:${layout}:${fx.busybox.tag}`, tarFile).status).toBe(0);
  });

  it('unpack makes a bundle that runc runs', async () => {
    const bundle = join(base, 'runc-bundle');
    const result = ociImage('unpack', fx.busybox.ref, bundle);
    expect(result.status, result.stderr).toBe(0);
    const configPath = join(bundle, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(config.process.args).toEqual(['/bin/sh']);
    config.process.args = ['/bin/sh', '-c', 'echo hello from the bundle; ls /tmp/..'];
    writeFileSync(configPath, JSON.stringify(config));
    const ran = run('runc', ['run', '--bundle', bundle, `ocikit-layers-test-${process.pid}`]);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/hello from the bundle/);
  });

  it('unpack and repack fail with one clear line', async () => {
    const bundle = join(base, 'bundle');
    expect(ociImage('unpack', fx.busybox.ref, bundle).status).toBe(0);
    const again = ociImage('unpack', fx.busybox.ref, bundle);
    expect(again.status).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/ERR_OCI_BUNDLE_EXISTS/);
    const notBundle = ociImage('repack', base, fx.busybox.ref);
    expect(notBundle.status).toBe(1);
    expect(notBundle.stderr).toMatch(/ERR_OCI_BUNDLE/);
    expect(ociImage('unpack', fx.busybox.ref).status).toBe(2);
  });
});
