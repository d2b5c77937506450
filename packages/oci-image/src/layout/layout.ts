import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf, parseDigest, verifyBytes } from '../digest.js';
import { BlobNotFoundError, InvalidJsonError, LayoutError } from '../errors.js';
import { MediaTypes } from '../media-types.js';
import { schemaProblems } from '../schema/validate.js';
import type { Descriptor, Index } from '../types.js';
import { REF_NAME_ANNOTATION } from '../types.js';
import { syncDir, writeFileAtomic } from './atomic-file.js';
import { writeVerifiedBlob } from './verified-write.js';
import { withDirLock } from './lock.js';

export const LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const LOCK_NAME = '.ocikit-index.lock';

const EMPTY_INDEX: Index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };

export function serialiseIndex(index: Index): string {
  return `${JSON.stringify(index)}\n`;
}

/**
 * An OCI image layout on disk (image-spec image-layout.md). The constructor
 * does no I/O. Blobs are written atomically and verified; index.json is
 * changed only by read-modify-write under a lock, so concurrent writers
 * (several processes) never lose each other's refs.
 */
export class OciLayout {
  constructor(readonly root: string) {}

  /** Create the layout if it is not there (idempotent). */
  static async init(root: string): Promise<OciLayout> {
    const layout = new OciLayout(root);
    await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
    // Both files are written atomically: present means complete, and there is nothing to lock for.
    const [hasLayout, hasIndex] = await Promise.all([exists(join(root, LAYOUT_FILE)), exists(join(root, INDEX_FILE))]);
    if (hasLayout && hasIndex) return layout;
    await withDirLock(root, LOCK_NAME, async () => {
      // Both written side by side, the folder synced once for the two renames.
      const writeIfMissing = async (name: string, bytes: string) => {
        if (!(await exists(join(root, name)))) await writeFileAtomic(join(root, name), bytes, 0o644, { syncFolder: false });
      };
      await Promise.all([writeIfMissing(LAYOUT_FILE, JSON.stringify({ imageLayoutVersion: '1.0.0' })), writeIfMissing(INDEX_FILE, serialiseIndex(EMPTY_INDEX))]);
      await syncDir(root);
    });
    return layout;
  }

  /** Check that this folder is a layout we can read; one clear error if not. */
  async check(): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.root, LAYOUT_FILE));
    } catch (error) {
      throw new LayoutError(`${this.root} is not an OCI image layout (no ${LAYOUT_FILE} file)`, {
        cause: error,
        hint: `create one with: oci-image init ${this.root}`,
      });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new InvalidJsonError(`${join(this.root, LAYOUT_FILE)}`, error);
    }
    const problems = await schemaProblems('oci-layout', doc);
    if (problems.length) throw new LayoutError(`${join(this.root, LAYOUT_FILE)} is invalid: ${problems[0]}`);
  }

  blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.root, 'blobs', algorithm, hex);
  }

  async hasBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    try {
      const info = await stat(this.blobPath(descriptor.digest));
      return info.isFile() && (descriptor.size === undefined || info.size === descriptor.size);
    } catch {
      return false;
    }
  }

  /** The raw bytes of a blob (callers verify, or use readBlob). */
  async openBlob(digest: string): Promise<Readable> {
    const path = this.blobPath(digest);
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error: NodeJS.ErrnoException) => {
        reject(error.code === 'ENOENT' ? new BlobNotFoundError(digest, `layout ${this.root}`) : error);
      });
    });
    return stream;
  }

  /** A small blob's bytes, verified. */
  async readBlob(digest: string, size?: number): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.blobPath(digest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(digest, `layout ${this.root}`);
      throw error;
    }
    verifyBytes(bytes, digest, size);
    return bytes;
  }

  /** Store a blob; verified before it appears under its name. Idempotent. */
  async putBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, content: Readable, signal?: AbortSignal): Promise<void> {
    const { algorithm } = parseDigest(descriptor.digest);
    if (await this.hasBlob(descriptor)) {
      content.destroy();
      return;
    }
    const path = this.blobPath(descriptor.digest);
    await mkdir(join(this.root, 'blobs', algorithm), { recursive: true });
    await writeVerifiedBlob(path, descriptor, content, signal);
  }

  async putBlobBytes(bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const descriptor = { mediaType, digest: digestOf(bytes), size: bytes.length };
    await this.putBlob(descriptor, Readable.from([bytes]));
    return descriptor;
  }

  /** index.json, parsed and validated. */
  async readIndex(): Promise<Index> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.root, INDEX_FILE));
    } catch (error) {
      await this.check();
      throw new LayoutError(`${this.root} has no readable ${INDEX_FILE}`, { cause: error });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new InvalidJsonError(join(this.root, INDEX_FILE), error);
    }
    const problems = await schemaProblems('index', doc);
    if (problems.length) throw new LayoutError(`${join(this.root, INDEX_FILE)} is invalid: ${problems[0]}`);
    return doc as Index;
  }

  /** Change index.json under the lock: read, change, write by rename. */
  async updateIndex(change: (index: Index) => Index | Promise<Index>): Promise<Index> {
    await this.check();
    return withDirLock(this.root, LOCK_NAME, async () => {
      const next = await change(await this.readIndex());
      await writeFileAtomic(join(this.root, INDEX_FILE), serialiseIndex(next));
      return next;
    });
  }

  /** Descriptors in index.json named `name` (org.opencontainers.image.ref.name). */
  async findRef(name: string): Promise<Descriptor | undefined> {
    const index = await this.readIndex();
    return index.manifests.find((d) => d.annotations?.[REF_NAME_ANNOTATION] === name);
  }

  /** Point `name` at a descriptor, replacing what it pointed at. */
  async tag(name: string, descriptor: Descriptor): Promise<void> {
    await this.updateIndex((index) => withRef(index, name, descriptor));
  }

  /** Remove the ref `name`; false if there was none. */
  async untag(name: string): Promise<boolean> {
    let found = false;
    await this.updateIndex((index) => {
      const manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== name);
      found = manifests.length !== index.manifests.length;
      return { ...index, manifests };
    });
    return found;
  }
}

/** A new index with `name` pointing at `descriptor` (other refs kept, order kept). */
export function withRef(index: Index, name: string | undefined, descriptor: Descriptor): Index {
  const annotations = { ...(descriptor.annotations ?? {}) };
  if (name !== undefined) annotations[REF_NAME_ANNOTATION] = name;
  else delete annotations[REF_NAME_ANNOTATION];
  const entry: Descriptor = { ...descriptor };
  if (Object.keys(annotations).length) entry.annotations = annotations;
  else delete entry.annotations;
  const manifests = index.manifests.filter((d) =>
    name === undefined ? !(d.digest === descriptor.digest && !d.annotations?.[REF_NAME_ANNOTATION]) : d.annotations?.[REF_NAME_ANNOTATION] !== name,
  );
  return { ...index, manifests: [...manifests, entry] };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
