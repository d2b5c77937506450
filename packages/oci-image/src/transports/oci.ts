import { resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { DIGEST_SUFFIX, isDigest, parseDigest, verifyBytes } from '../digest.js';
import { InvalidReferenceError, ManifestNotFoundError } from '../errors.js';
import { sniffManifestMediaType } from '../image-index.js';
import { OciLayout, withRef } from '../layout/layout.js';
import type { ImageDestination, ImageSource, OperationOptions, PutManifestOptions, RawManifest, Transport } from '../transport.js';
import type { Descriptor } from '../types.js';
import { REF_NAME_ANNOTATION } from '../types.js';

export interface OciReference {
  path: string;
  /** A ref name (tag) in index.json, or undefined. */
  ref: string | undefined;
  /**
   * A digest pin: `DIR:@sha256:…`, or `DIR:REF@sha256:…` as write commands
   * print it. Reading takes the digest (the bytes are the truth); writing
   * goes to REF.
   */
  digest?: string;
}

/** image-spec annotations.md: the ref.name grammar. */
const REF_NAME = /^[A-Za-z0-9_]+(?:(?:[-._:@+]|--)[A-Za-z0-9_]+)*$/;

export function parseOciReference(rest: string, input: string): OciReference {
  if (rest === '') throw new InvalidReferenceError(input, 'no layout path', 'use oci:DIR[:REF]');
  const colon = rest.indexOf(':');
  const path = colon === -1 ? rest : rest.slice(0, colon);
  const ref = colon === -1 ? undefined : rest.slice(colon + 1);
  if (path === '') throw new InvalidReferenceError(input, 'no layout path', 'use oci:DIR[:REF]');
  if (ref === undefined || ref === '') return { path, ref: undefined };
  if (ref.startsWith('@')) {
    parseDigest(ref.slice(1));
    return { path, ref: undefined, digest: ref.slice(1) };
  }
  const pinned = DIGEST_SUFFIX.exec(ref);
  if (pinned && isDigest(pinned[2] as string) && REF_NAME.test(pinned[1] as string)) {
    return { path, ref: pinned[1], digest: pinned[2] };
  }
  if (!REF_NAME.test(ref)) {
    throw new InvalidReferenceError(input, `${JSON.stringify(ref)} is not a valid ref name`, 'ref names are letters, digits and separators . _ - : @ +');
  }
  return { path, ref };
}

export function formatOciReference(transport: string, v: OciReference): string {
  return `${transport}:${v.path}${v.ref ? `:${v.ref}` : v.digest ? ':' : ''}${v.digest ? `@${v.digest}` : ''}`;
}

/** Find the descriptor a reference names in a layout's index.json (a digest pin wins over the ref). */
export async function resolveInLayout(layout: OciLayout, ref: string | undefined, reference: string, digest?: string): Promise<Descriptor> {
  const index = await layout.readIndex();
  if (digest !== undefined) return resolveDigest(layout, index.manifests, digest, reference);
  if (ref === undefined) {
    if (index.manifests.length === 1) return index.manifests[0] as Descriptor;
    throw new ManifestNotFoundError(
      '(no ref given)',
      reference,
      index.manifests.length === 0 ? 'the layout is empty' : `the layout holds ${index.manifests.length} images; name one: oci:DIR:REF`,
    );
  }
  const found = index.manifests.find((d) => d.annotations?.[REF_NAME_ANNOTATION] === ref);
  if (!found) {
    const names = index.manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION]).filter(Boolean);
    throw new ManifestNotFoundError(JSON.stringify(ref), reference, names.length ? `refs here: ${names.join(', ')}` : 'the layout has no named refs');
  }
  return found;
}

async function resolveDigest(layout: OciLayout, listed: Descriptor[], digest: string, reference: string): Promise<Descriptor> {
  const entry = listed.find((d) => d.digest === digest);
  if (entry) return entry;
  const bytes = await layout.readBlob(digest).catch(() => {
    throw new ManifestNotFoundError(digest, reference);
  });
  return { mediaType: sniffManifestMediaType(bytes), digest, size: bytes.length };
}

export class OciLayoutSource implements ImageSource {
  private top: Promise<Descriptor> | undefined;

  constructor(
    readonly layout: OciLayout,
    private readonly ref: string | undefined,
    readonly reference: string,
    private readonly pin?: string,
  ) {}

  async getManifest(digest?: string): Promise<RawManifest> {
    if (digest === undefined) {
      this.top ??= this.layout.check().then(() => resolveInLayout(this.layout, this.ref, this.reference, this.pin));
      const descriptor = await this.top;
      const bytes = await this.layout.readBlob(descriptor.digest, descriptor.size);
      return { bytes, digest: descriptor.digest, mediaType: descriptor.mediaType ?? sniffManifestMediaType(bytes) };
    }
    const bytes = await this.layout.readBlob(digest);
    return { bytes, digest, mediaType: sniffManifestMediaType(bytes) };
  }

  openBlob(descriptor: Descriptor): Promise<Readable> {
    return this.layout.openBlob(descriptor.digest);
  }

  async close(): Promise<void> {}
}

/**
 * Writes blobs straight into the layout (content-addressed, so harmless if
 * never referenced: gc removes them) and index.json last, on commit.
 */
export class OciLayoutDestination implements ImageDestination {
  readonly supportsIndex = true;
  private topDescriptor: Descriptor | undefined;
  private ready: Promise<OciLayout> | undefined;

  constructor(private readonly path: string, private readonly ref: string | undefined, readonly reference: string, digestOnly = false) {
    if (digestOnly) throw new InvalidReferenceError(reference, 'cannot write to a digest; name a ref instead');
  }

  private layout(): Promise<OciLayout> {
    this.ready ??= OciLayout.init(this.path);
    return this.ready;
  }

  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    // A stat needs no layout yet: the source starts sending while init() still runs.
    void this.layout().catch(() => {});
    return new OciLayout(this.path).hasBlob(descriptor);
  }

  async putBlob(descriptor: Descriptor, content: Readable, options: OperationOptions = {}): Promise<void> {
    await (await this.layout()).putBlob(descriptor, content, options.signal);
  }

  async putManifest(manifest: RawManifest, options: PutManifestOptions): Promise<void> {
    const layout = await this.layout();
    verifyBytes(manifest.bytes, manifest.digest, manifest.bytes.length, 'manifest');
    await layout.putBlobBytes(manifest.bytes, manifest.mediaType);
    if (options.top) this.topDescriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
  }

  async commit(): Promise<string> {
    if (!this.topDescriptor) throw new ManifestNotFoundError('(top)', this.reference, 'nothing was written');
    const layout = await this.layout();
    const top = this.topDescriptor;
    await layout.updateIndex((index) => withRef(index, this.ref, top));
    // As the grammar reads it back: DIR:@sha256:… when there is no ref.
    return formatOciReference('oci', { path: this.path, ref: this.ref, digest: top.digest });
  }

  async abort(): Promise<void> {}
}

export const ociTransport: Transport<OciReference> = {
  name: 'oci',
  parse: parseOciReference,
  format: (v) => formatOciReference('oci', v),
  async openSource(v) {
    return new OciLayoutSource(new OciLayout(resolvePath(v.path)), v.ref, ociTransport.format(v), v.digest);
  },
  async openDestination(v) {
    return new OciLayoutDestination(v.path, v.ref, ociTransport.format(v), v.digest !== undefined && v.ref === undefined);
  },
};
