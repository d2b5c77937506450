import { describe, expect, it } from 'vitest';
import {
  appendLayers,
  digestOf,
  emptyImage,
  flatten,
  MediaTypes,
  readLayerEntries,
  rebase,
  withAnnotations,
  withConfig,
  withCreated,
} from '@ocikit/oci-image';
import { memoryLayer, testImage } from './support.js';

describe('mutate', () => {
  it('withConfig merges env by key, sets fields, and leaves the base untouched', async () => {
    const base = await testImage([{ a: '1' }]);
    const next = withConfig(base, {
      env: ['PATH=/sbin', 'NEW=1'],
      entrypoint: ['/bin/app'],
      cmd: null,
      exposedPorts: ['80', '53/udp'],
      labels: { 'org.example': 'yes' },
      user: '1000:1000',
      workingDir: '/srv',
      stopSignal: 'SIGINT',
    });
    const c = (await next.config()).config!;
    expect(c.Env).toEqual(['PATH=/sbin', 'NEW=1']);
    expect(c.Entrypoint).toEqual(['/bin/app']);
    expect(c.Cmd).toBeNull();
    expect(Object.keys(c.ExposedPorts!)).toEqual(['80/tcp', '53/udp']);
    expect(c).toMatchObject({ Labels: { 'org.example': 'yes' }, User: '1000:1000', WorkingDir: '/srv', StopSignal: 'SIGINT' });
    expect((await base.config()).config!.Env).toEqual(['PATH=/usr/bin:/bin']);
    // the manifest points at the new config bytes, layers unchanged
    const m = await next.manifest();
    expect(m.config.digest).toBe(digestOf(await next.rawConfig()));
    expect(m.layers).toEqual((await base.manifest()).layers);
    expect(await next.digest()).toBe(digestOf(await next.rawManifest()));
  });

  it('appendLayers keeps diff_ids and history in step with layers', async () => {
    const base = await testImage([{ a: '1' }]);
    const extra = await memoryLayer({ b: '2' });
    const next = appendLayers(base, [{ layer: extra, history: { created_by: 'add b' } }]);
    const config = await next.config();
    expect(config.rootfs.diff_ids).toEqual([...(await base.config()).rootfs.diff_ids, await extra.diffId()]);
    expect(config.history?.map((h) => h.created_by)).toEqual(['test layer 0', 'add b']);
    expect((await next.manifest()).layers.map((l) => l.digest)).toEqual([...(await base.manifest()).layers.map((l) => l.digest), extra.descriptor.digest]);
  });

  it('withAnnotations and withCreated', async () => {
    const base = await testImage([{ a: '1' }]);
    const annotated = withAnnotations(base, { 'org.opencontainers.image.title': 't', gone: undefined });
    expect((await annotated.manifest()).annotations).toEqual({ 'org.opencontainers.image.title': 't' });
    const dated = withCreated(base, new Date('2020-01-02T03:04:05Z'));
    const config = await dated.config();
    expect(config.created).toBe('2020-01-02T03:04:05Z');
    expect(config.history?.every((h) => h.created === '2020-01-02T03:04:05Z')).toBe(true);
  });

  it('emptyImage is a valid scratch image', async () => {
    const scratch = emptyImage({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(await scratch.mediaType()).toBe(MediaTypes.ociManifest);
    expect(await scratch.config()).toMatchObject({ os: 'linux', architecture: 'arm64', variant: 'v8', rootfs: { diff_ids: [] } });
    expect(await scratch.layers()).toEqual([]);
  });

  it('rebase moves own layers onto a new base', async () => {
    const oldBase = await testImage([{ base: 'old' }]);
    const newBase = await testImage([{ base: 'new' }, { more: 'x' }]);
    const app = appendLayers(oldBase, [{ layer: await memoryLayer({ app: '1' }), history: { created_by: 'app' } }]);
    const rebased = rebase(app, oldBase, newBase);
    const ids = (await rebased.config()).rootfs.diff_ids;
    expect(ids).toEqual([...(await newBase.config()).rootfs.diff_ids, (await app.config()).rootfs.diff_ids[1]]);
    expect((await rebased.config()).history?.map((h) => h.created_by)).toEqual(['test layer 0', 'test layer 1', 'app']);
    await expect(rebase(app, newBase, oldBase).manifest()).rejects.toMatchObject({ code: 'ERR_OCI_REBASE' });
  });

  it('flatten squashes layers with whiteouts applied', async () => {
    const image = await testImage([{ 'keep': 'k', 'gone': 'g', 'dir/': '', 'dir/old': 'o' }, { '.wh.gone': '', 'dir/new': 'n', keep: 'k2' }]);
    const { image: flat, dispose } = await flatten(image, { timestamp: new Date(0) });
    try {
      const layers = await flat.layers();
      expect(layers).toHaveLength(1);
      const names: string[] = [];
      for await (const entry of readLayerEntries(await layers[0]!.uncompressed())) {
        names.push(entry.path);
      }
      expect(names.sort()).toEqual(['dir', 'dir/new', 'dir/old', 'keep']);
      expect((await flat.config()).history).toHaveLength(1);
      expect((await flat.config()).config?.Env).toEqual(['PATH=/usr/bin:/bin']);
    } finally {
      await dispose();
    }
  });
});
