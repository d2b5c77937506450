import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  InvalidReferenceError,
  ManifestNotFoundError,
  OciError,
  type Descriptor,
  type ImageDestination,
  type ImageSource,
  type Logger,
  type OperationOptions,
  type PutManifestOptions,
  type RawManifest,
  type Transport,
} from '@ocikit/oci-image';
import { credentialLookup, type CredentialLookup } from './auth/credentials.js';
import { downloadBlob, headBlob } from './blob-download.js';
import { mountBlob, uploadBlob } from './blob-upload.js';
import { isLocalRegistry, RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import type { HttpFetch } from './http.js';
import { getManifest, putManifest } from './manifests.js';
import { nodeHttp } from './node-http.js';
import { formatDockerReference, manifestReference, parseDockerReference, type DockerReference } from './reference.js';
import { updateReferrersTag } from './referrers-tag.js';
import type { RetryOptions } from './retry.js';

export interface DockerTransportOptions {
  /** Verify TLS certificates (default true); false also allows plain HTTP. */
  tlsVerify?: boolean;
  /** A folder with CA certificates (*.crt) and a client certificate (*.cert with its *.key), as skopeo's --cert-dir. */
  certDir?: string;
  /** `USER:PASS`; wins over auth files. */
  creds?: string;
  /** One auth file (--authfile); replaces authFiles. */
  authfile?: string;
  /** Auth files searched in order (the CLI builds the default list from the environment). */
  authFiles?: readonly string[];
  /** A full credential lookup; replaces creds and auth files. */
  credentials?: CredentialLookup;
  /** The HTTP layer; default node:http (nodeHttp) with the TLS settings above; nodeFetch() is the node-fetch one. */
  fetch?: HttpFetch;
  retry?: RetryOptions;
  /** Upload in PATCH chunks of this size instead of one streamed PUT. */
  chunkSize?: number;
  logger?: Logger;
}

export interface DockerTransport extends Transport<DockerReference> {
  /** The client for a registry (one per registry per transport, sharing tokens). */
  client(registry: string): Promise<RegistryClient>;
  /** Close idle connections. */
  close(): void;
}

async function readCertDir(dir: string): Promise<{ ca: Buffer[]; cert?: Buffer; key?: Buffer }> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new OciError('ERR_REGISTRY_TLS', `cannot read the certificate folder ${dir}`, { cause: error });
  }
  const ca = await Promise.all(names.filter((n) => n.endsWith('.crt')).map((n) => readFile(join(dir, n))));
  const certName = names.find((n) => n.endsWith('.cert'));
  if (!certName) return { ca };
  const keyName = `${certName.slice(0, -'.cert'.length)}.key`;
  if (!names.includes(keyName)) throw new OciError('ERR_REGISTRY_TLS', `client certificate ${certName} in ${dir} has no ${keyName}`);
  return { ca, cert: await readFile(join(dir, certName)), key: await readFile(join(dir, keyName)) };
}

export class DockerImageSource implements ImageSource {
  private top: Promise<RawManifest> | undefined;

  constructor(readonly client: RegistryClient, readonly ref: DockerReference, readonly reference: string, private readonly options: DockerTransportOptions) {}

  get repository(): string {
    return this.ref.repository;
  }

  getManifest(digest?: string, options: OperationOptions = {}): Promise<RawManifest> {
    if (digest !== undefined) return getManifest(this.client, this.ref.repository, digest, options.signal);
    this.top ??= getManifest(this.client, this.ref.repository, manifestReference(this.ref), options.signal);
    return this.top;
  }

  async openBlob(descriptor: Descriptor, options: OperationOptions = {}): Promise<Readable> {
    return downloadBlob(this.client, this.ref.repository, descriptor, { signal: options.signal, retry: this.options.retry, logger: options.logger ?? this.options.logger });
  }

  async close(): Promise<void> {}
}

export class DockerImageDestination implements ImageDestination {
  readonly supportsIndex = true;
  private topManifest: RawManifest | undefined;

  constructor(readonly client: RegistryClient, readonly ref: DockerReference, readonly reference: string, private readonly options: DockerTransportOptions) {}

  async hasBlob(descriptor: Descriptor, options: OperationOptions = {}): Promise<boolean> {
    const size = await headBlob(this.client, this.ref.repository, descriptor.digest, options.signal);
    return size !== undefined && (size === -1 || size === descriptor.size);
  }

  async putBlob(descriptor: Descriptor, content: Readable, options: OperationOptions = {}): Promise<void> {
    await uploadBlob(this.client, this.ref.repository, descriptor, content, { signal: options.signal, chunkSize: this.options.chunkSize });
  }

  /** Mount from another repository of the same registry instead of sending the bytes. */
  async mountBlob(descriptor: Descriptor, from: ImageSource, options: OperationOptions = {}): Promise<boolean> {
    if (!(from instanceof DockerImageSource) || from.client.registry !== this.client.registry || from.repository === this.ref.repository) return false;
    try {
      return await mountBlob(this.client, this.ref.repository, from.repository, descriptor.digest, options.signal);
    } catch (error) {
      // A refused mount is not fatal: the blob is sent instead.
      if (error instanceof RegistryError && !error.retryable) return false;
      throw error;
    }
  }

  async putManifest(manifest: RawManifest, options: PutManifestOptions): Promise<void> {
    // Child manifests go up by digest now. The top one waits for commit, where
    // it goes up once, under the tag (or its digest): nothing is visible under
    // the tag before then, and a push costs one round trip less.
    if (options.top) {
      this.topManifest = manifest;
      return;
    }
    await this.send(manifest, manifest.digest, options.signal);
  }

  private async send(manifest: RawManifest, reference: string, signal?: AbortSignal): Promise<void> {
    const stored = await putManifest(this.client, this.ref.repository, reference, manifest, signal);
    if (stored.subjectHeader === null) await updateReferrersTag(this.client, this.ref.repository, manifest, signal);
  }

  async commit(options: OperationOptions = {}): Promise<string> {
    const top = this.topManifest;
    if (!top) throw new ManifestNotFoundError('(top)', this.reference, 'nothing was written');
    if (this.ref.digest && this.ref.digest !== top.digest) {
      throw new OciError('ERR_REGISTRY_DIGEST', `the destination names ${this.ref.digest} but the image is ${top.digest}`);
    }
    await this.send(top, this.ref.tag ?? top.digest, options.signal);
    return `docker://${formatDockerReference({ ...this.ref, digest: top.digest })}`;
  }

  async abort(): Promise<void> {}
}

/**
 * The docker:// transport as a plain value: `dockerTransport({ tlsVerify, certDir, authfile, creds })`.
 * Nothing is read from the environment; the CLI passes paths in.
 */
export function dockerTransport(options: DockerTransportOptions = {}): DockerTransport {
  const clients = new Map<string, Promise<RegistryClient>>();
  const fetches: Array<{ close(): void }> = [];
  const credentials =
    options.credentials ??
    credentialLookup({
      ...(options.creds ? { creds: options.creds } : {}),
      authFiles: options.authfile ? [options.authfile] : (options.authFiles ?? []),
    });
  const makeClient = async (registry: string): Promise<RegistryClient> => {
    let fetch = options.fetch;
    if (!fetch) {
      const certs = options.certDir ? await readCertDir(options.certDir) : { ca: [] };
      const created = nodeHttp({ tlsVerify: options.tlsVerify !== false, ...certs });
      fetches.push(created);
      fetch = created;
    }
    return new RegistryClient({
      registry,
      fetch,
      credentials: (repository) => credentials(registry, repository),
      allowHttp: options.tlsVerify === false || isLocalRegistry(registry),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  };
  const client = (registry: string): Promise<RegistryClient> => {
    let pending = clients.get(registry);
    if (!pending) {
      pending = makeClient(registry);
      clients.set(registry, pending);
      pending.catch(() => clients.delete(registry));
    }
    return pending;
  };
  const transport: DockerTransport = {
    name: 'docker',
    parse: (rest, input) => parseDockerReference(rest, input),
    format: (value) => `docker://${formatDockerReference(value)}`,
    async openSource(value) {
      return new DockerImageSource(await client(value.registry), value, transport.format(value), options);
    },
    async openDestination(value, operation) {
      if (value.tag === undefined && value.digest === undefined) throw new InvalidReferenceError(transport.format(value), 'name a tag to push to');
      const registry = await client(value.registry);
      // A push's first request waits for the ping (scheme, auth challenge): it starts now, while the
      // source is read. The first real request shares it, or pings again if this one failed.
      registry.baseUrl(operation?.signal).catch(() => {});
      return new DockerImageDestination(registry, value, transport.format(value), options);
    },
    client: (registry) => client(registry),
    close() {
      for (const f of fetches) f.close();
    },
  };
  return transport;
}
