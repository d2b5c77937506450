import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copy, indexOf, localTransports, ociTransport, parseReference, readArtifact, type ImageIndex } from '@ocikit/oci-image';
import { mustRun, ociImage, run, tempDir, testImage, writeToLayout } from './support.js';

/**
 * skopeo, umoci, oci-image-tool and buildah are independent implementations:
 * they must accept what we write, and we must read what they write.
 */
describe('interop with skopeo, umoci, oci-image-tool and buildah', async () => {
  const root = await tempDir();
  const ours = join(root, 'ours');
  const digest = await writeToLayout(await testImage([{ 'etc/': '', 'etc/os-release': 'ID=test\n' }, { 'usr/bin/tool': '#!/bin/sh\n' }]), ours, 'v1');

  it('skopeo inspect and oci-image-tool validate accept our layout', () => {
    const inspected = JSON.parse(mustRun('skopeo', ['inspect', `oci:${ours}:v1`]));
    expect(inspected.Digest).toBe(digest);
    expect(inspected.Layers).toHaveLength(2);
    expect(inspected.Env).toEqual(['PATH=/usr/bin:/bin']);
    const validated = run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=v1', ours]);
    expect(validated.stderr + validated.stdout).not.toMatch(/invalid|error/i);
    expect(validated.status).toBe(0);
  });

  it('skopeo copies our layout to oci: and dir: and back keeping every digest', () => {
    mustRun('skopeo', ['copy', '--quiet', `oci:${ours}:v1`, `oci:${join(root, 'skopeo-oci')}:copied`]);
    mustRun('skopeo', ['copy', '--quiet', `oci:${ours}:v1`, `dir:${join(root, 'skopeo-dir')}`]);
    // we read what skopeo wrote, and write it back where skopeo reads it again
    expect(ociImage('copy', `oci:${join(root, 'skopeo-oci')}:copied`, `oci:${join(root, 'back')}:a`).stdout.trim()).toBe(`oci:${join(root, 'back')}:a@${digest}`);
    expect(ociImage('copy', `dir:${join(root, 'skopeo-dir')}`, `oci:${join(root, 'back')}:b`).stdout.trim()).toBe(`oci:${join(root, 'back')}:b@${digest}`);
    expect(ociImage('copy', `oci:${ours}:v1`, `dir:${join(root, 'our-dir')}`).status).toBe(0);
    mustRun('skopeo', ['copy', '--quiet', `dir:${join(root, 'our-dir')}`, `oci:${join(root, 'back2')}:c`]);
    expect(JSON.parse(mustRun('skopeo', ['inspect', `oci:${join(root, 'back2')}:c`])).Digest).toBe(digest);
    expect(ociImage('validate', join(root, 'back')).status).toBe(0);
  });

  it('we read and validate a layout made by umoci', async () => {
    const layout = join(root, 'umoci');
    mustRun('umoci', ['init', '--layout', layout]);
    mustRun('umoci', ['new', '--image', `${layout}:base`]);
    mustRun('umoci', ['config', '--image', `${layout}:base`, '--config.env', 'FOO=bar', '--config.cmd', '/bin/true', '--tag', 'configured']);
    const out = ociImage('validate', layout);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const config = JSON.parse(ociImage('config', `oci:${layout}:configured`).stdout);
    expect(config.config.Env).toContain('FOO=bar');
    expect(config.config.Cmd).toEqual(['/bin/true']);
    const listed = ociImage('ls', layout, '--format', 'json');
    expect(JSON.parse(listed.stdout).map((e: { name: string }) => e.name).sort()).toEqual(['base', 'configured']);
  });

  it('reads a multi-platform index written by buildah and picks a platform', async () => {
    const arm = await testImage([{ arch: 'arm64' }], { os: 'linux', architecture: 'arm64' });
    const amd = await testImage([{ arch: 'amd64' }], { os: 'linux', architecture: 'amd64' });
    const src = join(root, 'platforms');
    const armDigest = await writeToLayout(arm, src, 'arm');
    const amdDigest = await writeToLayout(amd, src, 'amd');
    const b = ['--root', join(root, 'buildah'), '--runroot', join(root, 'buildah-run'), '--storage-driver', 'vfs'];
    mustRun('buildah', [...b, 'manifest', 'create', 'multi']);
    mustRun('buildah', [...b, 'manifest', 'add', '--os', 'linux', '--arch', 'amd64', 'multi', `oci:${src}:amd`]);
    mustRun('buildah', [...b, 'manifest', 'add', '--os', 'linux', '--arch', 'arm64', '--variant', 'v8', 'multi', `oci:${src}:arm`]);
    const out = join(root, 'buildah-out');
    mustRun('buildah', [...b, 'manifest', 'push', '--all', 'multi', `oci:${out}:multi`]);
    const parsed = parseReference(`oci:${out}:multi`, localTransports);
    const index = (await readArtifact(await parsed.transport.openSource(parsed.value))) as ImageIndex;
    expect(index.kind).toBe('index');
    expect(await (await index.image({ os: 'linux', architecture: 'arm64' })).digest()).toBe(armDigest);
    expect(await (await index.image({ os: 'linux', architecture: 'amd64' })).digest()).toBe(amdDigest);
    expect(ociImage('manifest', '--platform', 'linux/arm64', `oci:${out}:multi`).stdout).toBe((await arm.rawManifest()).toString());
    expect(ociImage('validate', out).status).toBe(0);
    // copy one platform only, then the whole index; skopeo reads both
    expect(ociImage('copy', '--platform', 'linux/arm64', `oci:${out}:multi`, `oci:${join(root, 'one')}:arm`).stdout.trim()).toMatch(armDigest);
    const all = ociImage('copy', '--all', `oci:${out}:multi`, `oci:${join(root, 'all')}:multi`);
    expect(all.stdout.trim()).toBe(`oci:${join(root, 'all')}:multi@${await index.digest()}`);
    expect(JSON.parse(mustRun('skopeo', ['inspect', '--raw', `oci:${join(root, 'all')}:multi`])).manifests).toHaveLength(2);
  });

  it('skopeo copies an index we made, with --all, keeping its digest', async () => {
    const index = indexOf([
      { artifact: await testImage([{ p: 'a' }]), platform: { os: 'linux', architecture: 'amd64' } },
      { artifact: await testImage([{ p: 'b' }], { os: 'linux', architecture: 'arm64' }), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    const dir = join(root, 'our-index');
    const written = await copy(index, await ociTransport.openDestination({ path: dir, ref: 'list' }), { all: true });
    expect(written.digest).toBe(await index.digest());
    mustRun('skopeo', ['copy', '--quiet', '--all', `oci:${dir}:list`, `oci:${join(root, 'skopeo-index')}:list`]);
    const theirs = JSON.parse(await readFile(join(root, 'skopeo-index', 'index.json'), 'utf8'));
    expect(theirs.manifests[0].digest).toBe(written.digest);
    const check = run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=list', dir]);
    expect(check.status).toBe(0);
  });
});
