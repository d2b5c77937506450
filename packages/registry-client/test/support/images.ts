/** Small real images for tests: random files in gzip tar layers, a valid config, written as an OCI layout. */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { digestOf, MediaTypes, OciLayout, withRef, type Descriptor, type ImageConfig, type Manifest } from '@ocikit/oci-image';

export interface TestImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  manifestBytes: Buffer;
}

async function tarOf(files: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => p.on('end', resolve));
  for (const f of files) p.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime: new Date(0) }, f.data);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Write an image with `layers` layers of `layerSize` random bytes each into the layout at `dir` under `tag`. */
export async function makeTestImage(dir: string, tag: string, options: { layers?: number; layerSize?: number; extra?: Partial<ImageConfig>; files?: Array<{ name: string; data: Buffer }> } = {}): Promise<TestImage> {
  const layout = await OciLayout.init(dir);
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  const contents: Array<Array<{ name: string; data: Buffer }>> = [];
  if (options.files) contents.push(options.files);
  for (let i = 0; i < (options.layers ?? 2); i++) contents.push([{ name: `file-${i}.bin`, data: randomBytes(options.layerSize ?? 4096) }]);
  for (const files of contents) {
    const tar = await tarOf(files);
    diffIds.push(digestOf(tar));
    layers.push(await layout.putBlobBytes(gzipSync(tar, { level: 1 }), MediaTypes.ociLayerGzip));
  }
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created: '2026-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'], Labels: { tag } },
    rootfs: { type: 'layers', diff_ids: diffIds },
    ...(options.extra ?? {}),
  };
  const configDescriptor = await layout.putBlobBytes(Buffer.from(JSON.stringify(config)), MediaTypes.ociConfig);
  const manifest: Manifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: configDescriptor, layers };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDescriptor = await layout.putBlobBytes(manifestBytes, MediaTypes.ociManifest);
  await layout.updateIndex((index) => withRef(index, tag, manifestDescriptor));
  return { manifest: manifestDescriptor, config: configDescriptor, layers, manifestBytes };
}
