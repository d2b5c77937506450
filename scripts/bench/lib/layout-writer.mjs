// Writes benchmark images as OCI layouts without ocikit (so a bug of ours
// cannot make the data easier): tar-stream entries, gzip -1, sha256 of both.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

const { pack } = createRequire(fileURLToPath(new URL('../../../package.json', import.meta.url)))('tar-stream');

class Hasher extends Transform {
  constructor() {
    super();
    this.hash = createHash('sha256');
    this.size = 0;
  }
  _transform(chunk, _encoding, done) {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
}

/** One gzip layer of the files ({ name, data }) an iterable yields. */
async function writeLayer(layout, files) {
  const p = pack();
  const diff = new Hasher();
  const blob = new Hasher();
  const temp = join(layout, 'blobs', 'sha256', `tmp-${randomBytes(4).toString('hex')}`);
  const done = pipeline(p, diff, createGzip({ level: 1 }), blob, createWriteStream(temp));
  for (const f of files) {
    await new Promise((resolve, reject) => p.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime: new Date(0) }, f.data, (e) => (e ? reject(e) : resolve())));
  }
  p.finalize();
  await done;
  const digest = `sha256:${blob.hash.digest('hex')}`;
  renameSync(temp, join(layout, 'blobs', 'sha256', digest.slice(7)));
  return { descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: blob.size }, diffId: `sha256:${diff.hash.digest('hex')}` };
}

function putJson(layout, doc, mediaType) {
  const bytes = Buffer.from(JSON.stringify(doc));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** A layout holding one image tagged `tag`, a layer per iterable of files; returns the stored layer bytes. */
export async function writeImageLayout(layout, layerFiles, tag) {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const layers = [];
  for (const files of layerFiles) layers.push(await writeLayer(layout, files));
  const config = putJson(layout, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }, 'application/vnd.oci.image.config.v1+json');
  const manifest = putJson(layout, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: layers.map((l) => l.descriptor) }, 'application/vnd.oci.image.manifest.v1+json');
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  return layers.reduce((sum, l) => sum + l.descriptor.size, 0);
}
