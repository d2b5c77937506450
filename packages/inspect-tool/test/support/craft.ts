import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { digestOf, MediaTypes, OciLayout, type Descriptor, type ImageConfig } from '@ocikit/oci-image';

/** One tar entry of a crafted layer. */
export interface EntrySpec {
  path: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  content?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
}

export const file = (path: string, content: string | Buffer, extra: Partial<EntrySpec> = {}): EntrySpec => ({ path, type: 'file', content, ...extra });
export const dir = (path: string, extra: Partial<EntrySpec> = {}): EntrySpec => ({ path, type: 'directory', ...extra });
export const symlink = (path: string, linkname: string): EntrySpec => ({ path, type: 'symlink', linkname });
export const hardlink = (path: string, linkname: string): EntrySpec => ({ path, type: 'link', linkname });
export const whiteout = (path: string): EntrySpec => {
  const at = path.lastIndexOf('/');
  return file(`${path.slice(0, at + 1)}.wh.${path.slice(at + 1)}`, '');
};
export const opaque = (dirPath: string): EntrySpec => file(`${dirPath}/.wh..wh..opq`, '');

const MTIME = new Date('2024-01-02T03:04:05Z');

export async function tarOf(entries: EntrySpec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
    const header = {
      name: e.path,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: MTIME,
      linkname: e.linkname,
      size: body?.length ?? 0,
    };
    await new Promise<void>((resolve, reject) => p.entry(header, body, (error) => (error ? reject(error) : resolve())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface CraftOptions {
  layers: EntrySpec[][];
  config?: Partial<ImageConfig['config']> & Record<string, unknown>;
  architecture?: string;
  os?: string;
  variant?: string;
  /** history created_by per layer (and empty steps via extraHistory). */
  createdBy?: string[];
  gzip?: boolean;
  labels?: Record<string, string>;
}

/** Write an image into an OCI layout under a ref; returns the manifest descriptor. */
export async function craftImage(layoutDir: string, ref: string, options: CraftOptions): Promise<Descriptor> {
  const layout = await OciLayout.init(layoutDir);
  const gzip = options.gzip ?? true;
  const layerDescriptors: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const entries of options.layers) {
    const tar = await tarOf(entries);
    diffIds.push(digestOf(tar));
    const blob = gzip ? gzipSync(tar) : tar;
    layerDescriptors.push(await layout.putBlobBytes(blob, gzip ? MediaTypes.ociLayerGzip : MediaTypes.ociLayer));
  }
  const config: ImageConfig = {
    created: '2024-01-02T03:04:05.120000000Z',
    architecture: options.architecture ?? 'amd64',
    os: options.os ?? 'linux',
    ...(options.variant ? { variant: options.variant } : {}),
    config: { Env: ['PATH=/usr/bin:/bin'], ...(options.labels ? { Labels: options.labels } : {}), ...options.config },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: options.layers.map((_, i) => ({ created: '2024-01-02T03:04:05Z', created_by: options.createdBy?.[i] ?? `layer ${i}` })),
  };
  const configDescriptor = await layout.putBlobBytes(Buffer.from(JSON.stringify(config)), MediaTypes.ociConfig);
  const manifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: configDescriptor, layers: layerDescriptors };
  const manifestDescriptor = await layout.putBlobBytes(Buffer.from(JSON.stringify(manifest)), MediaTypes.ociManifest);
  await layout.tag(ref, manifestDescriptor);
  return manifestDescriptor;
}
