import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { InvalidReferenceError, LayoutError } from '../errors.js';
import { OciLayout } from '../layout/layout.js';
import { syncDir, tempPathBeside } from '../layout/atomic-file.js';
import type { ImageDestination, ImageSource, OperationOptions, PutManifestOptions, RawManifest, Transport } from '../transport.js';
import type { Descriptor } from '../types.js';
import { extractLayoutTar, packLayoutTar } from './archive-tar.js';
import { formatOciReference, OciLayoutDestination, OciLayoutSource, parseOciReference, type OciReference } from './oci.js';

/** Streams for `-`; without them `oci-archive:-` is refused. */
export interface ArchiveStdio {
  stdin?: Readable;
  stdout?: Writable;
  /** Where archives are unpacked while read or written (default: the OS temp folder). */
  tmpDir?: string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** A new temporary folder holding the layout unpacked from `input` (empty without one); removed again if unpacking fails. */
async function unpackedLayout(stdio: ArchiveStdio, input: (() => Readable) | undefined): Promise<string> {
  const temp = await mkdtemp(join(stdio.tmpDir ?? tmpdir(), 'ocikit-archive-'));
  try {
    if (input) await extractLayoutTar(input(), temp);
    return temp;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** An OCI layout tar, read by unpacking it into a temporary layout that close() removes. */
class ArchiveSource implements ImageSource {
  private inner: Promise<OciLayoutSource> | undefined;
  private temp: string | undefined;

  constructor(private readonly ref: OciReference, private readonly stdio: ArchiveStdio, readonly reference: string) {}

  private open(): Promise<OciLayoutSource> {
    this.inner ??= (async () => {
      this.temp = await unpackedLayout(this.stdio, () => inputOf(this.ref.path, this.stdio, this.reference));
      return new OciLayoutSource(new OciLayout(this.temp), this.ref.ref, this.reference, this.ref.digest);
    })();
    return this.inner;
  }

  async getManifest(digest?: string): Promise<RawManifest> {
    return (await this.open()).getManifest(digest);
  }

  async openBlob(descriptor: Descriptor): Promise<Readable> {
    return (await this.open()).openBlob(descriptor);
  }

  async close(): Promise<void> {
    if (this.temp) await rm(this.temp, { recursive: true, force: true });
  }
}

function inputOf(path: string, stdio: ArchiveStdio, reference: string): Readable {
  if (path === '-') {
    if (!stdio.stdin) throw new InvalidReferenceError(reference, 'standard input is not available here');
    return stdio.stdin;
  }
  const stream = createReadStream(path);
  stream.on('error', () => {});
  return stream;
}

/**
 * Writes a layout in a temporary folder (starting from the existing archive,
 * so its other refs are kept) and replaces the archive by rename on commit.
 */
class ArchiveDestination implements ImageDestination {
  readonly supportsIndex = true;
  private inner: Promise<OciLayoutDestination> | undefined;
  private temp: string | undefined;

  constructor(private readonly ref: OciReference, private readonly stdio: ArchiveStdio, readonly reference: string) {}

  private open(): Promise<OciLayoutDestination> {
    this.inner ??= (async () => {
      const existing = this.ref.path !== '-' && (await exists(this.ref.path));
      this.temp = await unpackedLayout(this.stdio, existing ? () => createReadStream(this.ref.path) : undefined);
      return new OciLayoutDestination(this.temp, this.ref.ref, this.reference, this.ref.digest !== undefined && this.ref.ref === undefined);
    })();
    return this.inner;
  }

  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    return (await this.open()).hasBlob(descriptor);
  }
  async putBlob(descriptor: Descriptor, content: Readable, options?: OperationOptions): Promise<void> {
    return (await this.open()).putBlob(descriptor, content, options);
  }
  async putManifest(manifest: RawManifest, options: PutManifestOptions): Promise<void> {
    return (await this.open()).putManifest(manifest, options);
  }

  async commit(options?: OperationOptions): Promise<string> {
    const inner = await this.open();
    const committed = await inner.commit();
    const digest = committed.slice(committed.lastIndexOf('@') + 1);
    const temp = this.temp as string;
    try {
      if (this.ref.path === '-') {
        if (!this.stdio.stdout) throw new InvalidReferenceError(this.reference, 'standard output is not available here');
        await packLayoutTar(temp, this.stdio.stdout);
      } else {
        const target = resolvePath(this.ref.path);
        const partial = tempPathBeside(target);
        try {
          await packLayoutTar(temp, createWriteStream(partial, { flags: 'wx' }));
          await rename(partial, target);
          await syncDir(dirname(target));
        } catch (error) {
          await rm(partial, { force: true });
          throw new LayoutError(`cannot write ${this.ref.path}: ${(error as Error).message}`, { cause: error });
        }
      }
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    void options;
    return formatOciReference('oci-archive', { path: this.ref.path, ref: this.ref.ref, digest });
  }

  async abort(): Promise<void> {
    if (this.temp) await rm(this.temp, { recursive: true, force: true });
  }
}

/** The oci-archive: transport; pass stdio to allow `oci-archive:-`. */
export function ociArchiveTransportWith(stdio: ArchiveStdio = {}): Transport<OciReference> {
  const transport: Transport<OciReference> = {
    name: 'oci-archive',
    parse: parseOciReference,
    format: (v) => formatOciReference('oci-archive', v),
    async openSource(v) {
      return new ArchiveSource(v, stdio, transport.format(v));
    },
    async openDestination(v) {
      return new ArchiveDestination(v, stdio, transport.format(v));
    },
  };
  return transport;
}

export const ociArchiveTransport = ociArchiveTransportWith();
