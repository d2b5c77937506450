import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { DIGEST_SUFFIX, digestOf, isDigest, parseDigest, verifyBytes } from '../digest.js';
import { BlobNotFoundError, InvalidReferenceError, LayoutError, ManifestNotFoundError } from '../errors.js';
import { sniffManifestMediaType } from '../image-index.js';
import { writeFileAtomic } from '../layout/atomic-file.js';
import { writeVerifiedBlob } from '../layout/verified-write.js';
import type { ImageDestination, ImageSource, OperationOptions, PutManifestOptions, RawManifest, Transport } from '../transport.js';
import type { Descriptor } from '../types.js';

/**
 * skopeo's dir: format (containers/image directory transport, version 1.1):
 * manifest.json, blobs named by their sha256 hex, child manifests of an index
 * as HEX.manifest.json, and a version file.
 */
const VERSION_TEXT = 'Directory Transport Version: 1.1\n';

export interface DirReference {
  path: string;
  /** `dir:PATH@sha256:…` as write commands print it: reading checks the manifest has this digest. */
  digest?: string;
}

function blobName(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return algorithm === 'sha256' ? hex : `${algorithm}-${hex}`;
}

async function readBytes(path: string, what: () => Error): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw what();
    throw error;
  }
}

export class DirSource implements ImageSource {
  private top: Promise<RawManifest> | undefined;

  constructor(private readonly path: string, readonly reference: string, private readonly pin?: string) {}

  private readTop(): Promise<RawManifest> {
    this.top ??= (async () => {
      const bytes = await readBytes(join(this.path, 'manifest.json'), () =>
        new LayoutError(`${this.path} is not a dir: image (no manifest.json)`, { hint: 'write one with: oci-registry copy SRC dir:PATH' }),
      );
      const digest = digestOf(bytes);
      if (this.pin !== undefined && this.pin !== digest) {
        throw new ManifestNotFoundError(this.pin, this.reference, `the image there now is ${digest}`);
      }
      return { bytes, digest, mediaType: sniffManifestMediaType(bytes) };
    })();
    return this.top;
  }

  async getManifest(digest?: string): Promise<RawManifest> {
    const top = await this.readTop();
    if (digest === undefined || digest === top.digest) return top;
    const bytes = await readBytes(join(this.path, `${blobName(digest)}.manifest.json`), () => new ManifestNotFoundError(digest, this.reference));
    verifyBytes(bytes, digest, undefined, 'manifest');
    return { bytes, digest, mediaType: sniffManifestMediaType(bytes) };
  }

  async openBlob(descriptor: Descriptor): Promise<Readable> {
    const stream = createReadStream(join(this.path, blobName(descriptor.digest)), { highWaterMark: 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new BlobNotFoundError(descriptor.digest, this.reference) : e));
    });
    return stream;
  }

  async close(): Promise<void> {}
}

/** Blobs land under their final (content-addressed) names once verified; manifest.json is written last. */
export class DirDestination implements ImageDestination {
  readonly supportsIndex = true;
  private ready: Promise<void> | undefined;
  private topManifest: RawManifest | undefined;

  constructor(private readonly path: string, readonly reference: string) {}

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.path, { recursive: true });
      await writeFileAtomic(join(this.path, 'version'), VERSION_TEXT);
    })();
    return this.ready;
  }

  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    try {
      return (await stat(join(this.path, blobName(descriptor.digest)))).size === descriptor.size;
    } catch {
      return false;
    }
  }

  async putBlob(descriptor: Descriptor, content: Readable, options: OperationOptions = {}): Promise<void> {
    await this.prepare();
    await writeVerifiedBlob(join(this.path, blobName(descriptor.digest)), descriptor, content, options.signal);
  }

  async putManifest(manifest: RawManifest, options: PutManifestOptions): Promise<void> {
    await this.prepare();
    verifyBytes(manifest.bytes, manifest.digest, undefined, 'manifest');
    if (options.top) this.topManifest = manifest;
    else await writeFileAtomic(join(this.path, `${blobName(manifest.digest)}.manifest.json`), manifest.bytes);
  }

  async commit(): Promise<string> {
    if (!this.topManifest) throw new ManifestNotFoundError('(top)', this.reference, 'nothing was written');
    await writeFileAtomic(join(this.path, 'manifest.json'), this.topManifest.bytes);
    return `dir:${this.path}@${this.topManifest.digest}`;
  }

  async abort(): Promise<void> {}
}

export const dirTransport: Transport<DirReference> = {
  name: 'dir',
  parse(rest, input) {
    const pinned = DIGEST_SUFFIX.exec(rest);
    if (pinned && isDigest(pinned[2] as string)) return { path: pinned[1] as string, digest: pinned[2] as string };
    if (rest === '') throw new InvalidReferenceError(input, 'no directory path', 'use dir:PATH');
    return { path: rest };
  },
  format: (v) => `dir:${v.path}${v.digest ? `@${v.digest}` : ''}`,
  async openSource(v) {
    return new DirSource(resolvePath(v.path), dirTransport.format(v), v.digest);
  },
  async openDestination(v) {
    return new DirDestination(v.path, `dir:${v.path}`);
  },
};
