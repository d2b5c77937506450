import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mustRun, OCI_IMAGE_BIN, ociImage, tempDir, testImage, writeToLayout } from './support.js';

describe('oci-image CLI commands that write', async () => {
  const root = await tempDir();
  const layout = join(root, 'l');
  const digest = await writeToLayout(await testImage([{ a: '1' }]), layout, 'base');

  it('init is idempotent and ls lists refs', () => {
    const dir = join(root, 'fresh');
    expect(ociImage('init', dir).stdout.trim()).toBe(`oci:${dir}`);
    expect(ociImage('init', dir).status).toBe(0);
    expect(ociImage('ls', dir).stdout).toBe('');
    expect(ociImage('ls', layout).stdout).toBe(`base\t${digest}\tapplication/vnd.oci.image.manifest.v1+json\n`);
  });

  it('config set writes a new image, prints it with its digest, and skopeo sees the change', () => {
    const out = ociImage('config', 'set', `oci:${layout}:base`, '--dest', `oci:${layout}:configured`, '--env', 'A=1', '--entrypoint', '["/bin/app","--serve"]',
      '--cmd=--port 8080', '--workdir', '/srv', '--user', 'nobody', '--label', 'x=y', '--port', '8080', '--volume', '/data', '--stop-signal', 'SIGTERM');
    expect(out.stderr).toBe('');
    const [ref, newDigest] = out.stdout.trim().split('@');
    expect(ref).toBe(`oci:${layout}:configured`);
    expect(newDigest).not.toBe(digest);
    const inspected = JSON.parse(mustRun('skopeo', ['inspect', '--config', `oci:${layout}:configured`]));
    expect(inspected.config).toMatchObject({
      Env: ['PATH=/usr/bin:/bin', 'A=1'],
      Entrypoint: ['/bin/app', '--serve'],
      Cmd: ['--port', '8080'],
      WorkingDir: '/srv',
      User: 'nobody',
      Labels: { x: 'y' },
      ExposedPorts: { '8080/tcp': {} },
      Volumes: { '/data': {} },
      StopSignal: 'SIGTERM',
    });
    // the source ref is unchanged
    expect(JSON.parse(ociImage('ls', layout, '--format', 'json').stdout).find((e: { name: string }) => e.name === 'base').digest).toBe(digest);
    // a label can be removed again, writing back in place
    const removed = ociImage('config', 'set', `oci:${layout}:configured`, '--label', 'x-');
    expect(removed.status).toBe(0);
    expect(JSON.parse(ociImage('config', `oci:${layout}:configured`).stdout).config.Labels).toEqual({});
  });

  it('annotate sets and removes manifest annotations', () => {
    const out = ociImage('annotate', `oci:${layout}:base`, '--dest', `oci:${layout}:annotated`, '--annotation', 'org.opencontainers.image.title=demo');
    expect(out.status).toBe(0);
    expect(JSON.parse(ociImage('manifest', `oci:${layout}:annotated`).stdout).annotations).toEqual({ 'org.opencontainers.image.title': 'demo' });
    expect(ociImage('annotate', `oci:${layout}:annotated`, '--remove', 'org.opencontainers.image.title').status).toBe(0);
    expect(JSON.parse(ociImage('manifest', `oci:${layout}:annotated`).stdout).annotations).toBeUndefined();
  });

  it('export to stdout and import from stdin round trip through a pipe, and skopeo reads the archive', async () => {
    const exported = spawnSync(process.execPath, [OCI_IMAGE_BIN, 'export', `oci:${layout}:base`], { maxBuffer: 1 << 26 });
    expect(exported.status).toBe(0);
    expect(exported.stderr.toString().trim()).toBe(`oci-archive:-:base@${digest}`);
    const archive = join(root, 'x.tar');
    await import('node:fs/promises').then((fs) => fs.writeFile(archive, exported.stdout));
    expect(JSON.parse(mustRun('skopeo', ['inspect', `oci-archive:${archive}:base`])).Digest).toBe(digest);
    const imported = spawnSync(process.execPath, [OCI_IMAGE_BIN, 'import', `oci:${join(root, 'imported')}:again`], { input: exported.stdout, encoding: 'utf8' });
    expect(imported.stderr).toBe('');
    expect(imported.stdout.trim()).toBe(`oci:${join(root, 'imported')}:again@${digest}`);
    expect(ociImage('export', `oci:${layout}:base`, '-o', join(root, 'y.tar')).stdout.trim()).toBe(`oci-archive:${join(root, 'y.tar')}:base@${digest}`);
    expect(await readFile(join(root, 'y.tar'))).toEqual(exported.stdout);
  });

  it('blob prints a verified blob; gc after untag frees space', () => {
    const manifest = JSON.parse(ociImage('manifest', `oci:${layout}:base`).stdout);
    const config = ociImage('blob', layout, manifest.config.digest);
    expect(JSON.parse(config.stdout).rootfs.type).toBe('layers');
    expect(ociImage('untag', `oci:${layout}:annotated`).stdout.trim()).toBe(`oci:${layout}:annotated`);
    const gc = JSON.parse(ociImage('gc', layout, '--format', 'json').stdout);
    expect(gc.removed.length).toBeGreaterThan(0);
    expect(ociImage('validate', layout).status).toBe(0);
  });
});

describe('references printed by write commands feed back into every command', async () => {
  const root = await tempDir();
  const layout = join(root, 'l');
  await writeToLayout(await testImage([{ a: '1' }]), layout, 'base');

  it('oci:DIR:TAG@DIGEST and dir:PATH@DIGEST read the pinned digest, and writes go to the tag', () => {
    const first = ociImage('config', 'set', `oci:${layout}:base`, '--env', 'STEP=1').stdout.trim();
    expect(first).toMatch(/^oci:.*:base@sha256:[a-f0-9]{64}$/);
    // a write in place through the printed ref goes to the tag
    const second = ociImage('config', 'set', first, '--env', 'STEP=2').stdout.trim();
    expect(second.split('@')[0]).toBe(`oci:${layout}:base`);
    // reading the first ref still gives the first image: the digest is the truth
    expect(JSON.parse(ociImage('config', first).stdout).config.Env).toContain('STEP=1');
    expect(JSON.parse(ociImage('config', second).stdout).config.Env).toContain('STEP=2');
    expect(ociImage('validate', first).status).toBe(0);
    expect(ociImage('tag', first, 'pinned').stdout.trim()).toBe(`oci:${layout}:pinned@${first.split('@')[1]}`);
    const dirRef = ociImage('copy', second, `dir:${join(root, 'd')}`).stdout.trim();
    expect(dirRef).toBe(`dir:${join(root, 'd')}@${second.split('@')[1]}`);
    expect(ociImage('manifest', dirRef).status).toBe(0);
    const stale = ociImage('manifest', `dir:${join(root, 'd')}@${first.split('@')[1]}`);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/ERR_OCI_MANIFEST_UNKNOWN: .*the image there now is/);
    const exported = ociImage('export', first, '-o', join(root, 'x.tar'));
    expect(exported.stdout.trim()).toBe(`oci-archive:${join(root, 'x.tar')}:base@${first.split('@')[1]}`);
    expect(ociImage('manifest', exported.stdout.trim()).status).toBe(0);
    expect(ociImage('untag', first).stdout.trim()).toBe(`oci:${layout}:base`);
  });
});
