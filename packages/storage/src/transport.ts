import type { Readable } from 'node:stream';
import {
  InvalidReferenceError,
  ManifestNotFoundError,
  verifyBytes,
  withRef,
  type Descriptor,
  type ImageDestination,
  type ImageSource,
  type OperationOptions,
  type PutManifestOptions,
  type RawManifest,
  type Transport,
} from '@ocikit/oci-image';
import { StorageError } from './errors.js';
import { resolveImage } from './images.js';
import { imageBlobs } from './reachable.js';
import { StoreImageSource } from './image-source.js';
import { beginInflight } from './inflight.js';
import { idPrefix, normaliseImageName } from './names.js';
import type { DriverName } from './paths.js';
import { assertDriver, openStore, type Store } from './store.js';

/** A parsed `storage:[DRIVER@ROOT]NAME` (ROOT may be ROOT+RUNROOT). */
export interface StorageReference {
  root: string | undefined;
  runroot: string | undefined;
  driver: DriverName | undefined;
  /** An image name (`[domain/]repo[:tag]`), an image id, or undefined (write an unnamed image). */
  name: string | undefined;
}

export interface StorageTransportOptions {
  /** The default store; `[ROOT]` in a reference overrides it. */
  root: string;
  runroot?: string;
  driver?: DriverName;
}

export function parseStorageReference(rest: string, input: string): StorageReference {
  let root: string | undefined;
  let runroot: string | undefined;
  let driver: DriverName | undefined;
  let name = rest;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new InvalidReferenceError(input, 'no closing ] after the store', 'use storage:[DRIVER@ROOT]NAME');
    let spec = rest.slice(1, close);
    name = rest.slice(close + 1);
    const at = spec.indexOf('@');
    if (at > 0 && !spec.slice(0, at).includes('/')) {
      driver = assertDriver(spec.slice(0, at));
      spec = spec.slice(at + 1);
    }
    const plus = spec.indexOf('+');
    root = plus < 0 ? spec : spec.slice(0, plus);
    runroot = plus < 0 ? undefined : spec.slice(plus + 1);
    if (!root) throw new InvalidReferenceError(input, 'an empty store root', 'use storage:[DRIVER@ROOT]NAME');
  }
  if (name !== '' && !idPrefix(name)) name = normaliseImageName(name, input);
  return { root, runroot, driver, name: name === '' ? undefined : name };
}

export function formatStorageReference(v: StorageReference): string {
  const store = v.root ? `[${v.driver ? `${v.driver}@` : ''}${v.root}${v.runroot ? `+${v.runroot}` : ''}]` : '';
  return `storage:${store}${v.name ?? ''}`;
}

/**
 * Writes into the store: blobs into its blob store, the name into index.json
 * on commit. A marker keeps gc away from blobs not yet named.
 */
export class StoreDestination implements ImageDestination {
  readonly supportsIndex = false;
  private top: Descriptor | undefined;
  private endInflight: Promise<() => Promise<void>> | undefined;

  constructor(private readonly store: Store, private readonly name: string | undefined, readonly reference: string) {}

  private guard(): Promise<unknown> {
    this.endInflight ??= beginInflight(this.store, `write ${this.reference}`);
    return this.endInflight;
  }

  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    await this.guard();
    return this.store.layout.hasBlob(descriptor);
  }

  async putBlob(descriptor: Descriptor, content: Readable, options: OperationOptions = {}): Promise<void> {
    await this.guard();
    await this.store.layout.putBlob(descriptor, content, options.signal);
  }

  async putManifest(manifest: RawManifest, options: PutManifestOptions): Promise<void> {
    await this.guard();
    verifyBytes(manifest.bytes, manifest.digest, manifest.bytes.length, 'manifest');
    await this.store.layout.putBlobBytes(manifest.bytes, manifest.mediaType);
    if (options.top) this.top = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
  }

  async commit(): Promise<string> {
    const top = this.top;
    if (!top) throw new ManifestNotFoundError('(top)', this.reference, 'nothing was written');
    await this.store.layout.updateIndex(async (index) => {
      // Under the index lock, so gc (which deletes under it too) cannot race us.
      const { missing } = await imageBlobs(this.store.layout, top);
      if (missing.length) {
        throw new StorageError('ERR_STORAGE_INCOMPLETE', `${this.reference}: ${missing.length} blob(s) vanished before commit (${missing[0]})`, {
          hint: 'a prune ran at the same time; run the command again',
        });
      }
      // An unnamed image is kept once, as a dangling entry, unless a name already holds it.
      if (this.name === undefined && index.manifests.some((d) => d.digest === top.digest)) return index;
      return withRef(index, this.name, top);
    });
    await this.release();
    return `storage:${this.name ?? ''}@${top.digest}`;
  }

  async abort(): Promise<void> {
    await this.release();
  }

  private async release(): Promise<void> {
    if (this.endInflight) await (await this.endInflight)();
  }
}

/**
 * The `storage:` transport over the store at `options.root`, or the one a
 * reference names with `storage:[DRIVER@ROOT]NAME`.
 */
export function storageTransport(options: StorageTransportOptions): Transport<StorageReference> {
  const storeFor = (v: StorageReference) =>
    openStore({
      root: v.root ?? options.root,
      ...((v.root ? v.runroot : options.runroot) ? { runroot: (v.root ? v.runroot : options.runroot) as string } : {}),
      ...((v.driver ?? options.driver) ? { driver: (v.driver ?? options.driver) as DriverName } : {}),
    });
  const transport: Transport<StorageReference> = {
    name: 'storage',
    parse: parseStorageReference,
    format: formatStorageReference,
    async openSource(v): Promise<ImageSource> {
      if (!v.name) throw new InvalidReferenceError(formatStorageReference(v), 'name an image to read');
      const store = await storeFor(v);
      const { descriptor } = await resolveImage(store, v.name);
      return new StoreImageSource(store.layout, descriptor, formatStorageReference(v));
    },
    async openDestination(v): Promise<ImageDestination> {
      if (v.name && (v.name.startsWith('sha256:') || idPrefix(v.name)?.length === 64)) {
        throw new InvalidReferenceError(formatStorageReference(v), 'cannot write to an image id; give a name');
      }
      const name = v.name === undefined ? undefined : normaliseImageName(v.name);
      return new StoreDestination(await storeFor(v), name, formatStorageReference(v));
    },
  };
  return transport;
}
