import type { Readable } from 'node:stream';
import { InvalidReferenceError } from './errors.js';
import type { Descriptor } from './types.js';

/** Manifest or index bytes exactly as stored or sent, with their media type and digest. */
export interface RawManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface Logger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
}

export interface OperationOptions {
  signal?: AbortSignal;
  logger?: Logger;
}

/** The read side of a transport reference. */
export interface ImageSource {
  /** The reference this source was opened from, for messages. */
  readonly reference: string;
  /** With no digest: the manifest or index the reference names. With one: that manifest, verified. */
  getManifest(digest?: string, options?: OperationOptions): Promise<RawManifest>;
  /** A blob's raw bytes; the model verifies them. */
  openBlob(descriptor: Descriptor, options?: OperationOptions): Promise<Readable>;
  close(): Promise<void>;
}

export interface PutManifestOptions extends OperationOptions {
  /** True for the manifest or index the reference names; false for an index's children. */
  top: boolean;
}

/** The write side of a transport reference. Nothing is visible under its name before commit(). */
export interface ImageDestination {
  readonly reference: string;
  /** Can this destination store an index (dir: and docker schema2-only sinks may not)? */
  readonly supportsIndex: boolean;
  hasBlob(descriptor: Descriptor, options?: OperationOptions): Promise<boolean>;
  /** Store a blob; the destination verifies the bytes against the descriptor. */
  putBlob(descriptor: Descriptor, content: Readable, options?: OperationOptions): Promise<void>;
  /** Try to make a blob appear without sending it (cross-repository mount); false if it cannot. */
  mountBlob?(descriptor: Descriptor, from: ImageSource, options?: OperationOptions): Promise<boolean>;
  putManifest(manifest: RawManifest, options: PutManifestOptions): Promise<void>;
  /** Make the result visible (tag, index.json, archive); returns the reference with digest. */
  commit(options?: OperationOptions): Promise<string>;
  /** Drop what was written and release everything; safe to call after a failure. */
  abort(): Promise<void>;
}

/** A parsed `transport:reference`; `rest` is parsed by the transport itself. */
export interface ParsedReference<T = unknown> {
  transport: Transport<T>;
  input: string;
  value: T;
}

/**
 * A transport is a plain value (no registry of side effects): the CLI or the
 * caller passes the list it wants, e.g. [...localTransports, dockerTransport(opts)].
 */
export interface Transport<T = unknown> {
  readonly name: string;
  /** Parse the text after `name:` (or `name://` for docker). Throws InvalidReferenceError. */
  parse(rest: string, input: string): T;
  format(value: T): string;
  openSource(value: T, options?: OperationOptions): Promise<ImageSource>;
  openDestination(value: T, options?: OperationOptions): Promise<ImageDestination>;
}

/**
 * The one reference grammar: `TRANSPORT:REST`, with `docker://` spelled with
 * slashes as skopeo does. Every CLI parses references through here.
 */
export function parseReference(input: string, transports: readonly Transport<any>[]): ParsedReference {
  const colon = input.indexOf(':');
  if (colon <= 0) {
    throw new InvalidReferenceError(input, 'no transport', `known transports: ${transports.map((t) => `${t.name}:`).join(' ')}`);
  }
  const name = input.slice(0, colon);
  const transport = transports.find((t) => t.name === name);
  if (!transport) {
    throw new InvalidReferenceError(input, `unknown transport ${JSON.stringify(name)}`, `known transports: ${transports.map((t) => `${t.name}:`).join(' ')}`);
  }
  let rest = input.slice(colon + 1);
  if (name === 'docker') {
    if (!rest.startsWith('//')) throw new InvalidReferenceError(input, 'docker references start with docker://');
    rest = rest.slice(2);
  }
  return { transport, input, value: transport.parse(rest, input) };
}

export function formatReference(ref: ParsedReference): string {
  return ref.transport.format(ref.value);
}
