import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, InvalidDigestError, SizeMismatchError } from './errors.js';

/** Algorithms of the image spec that we compute; others are parsed but refused. */
export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
/** `NAME@sha256:…` (or sha512) at the end of a reference: the name, then the digest. */
export const DIGEST_SUFFIX = /^(.+)@((?:sha256|sha512):[a-f0-9]+)$/;
const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Parse and validate `algorithm:encoded` (image-spec descriptor.md). */
export function parseDigest(value: string): ParsedDigest {
  if (typeof value !== 'string') throw new InvalidDigestError(String(value), 'not a string');
  const match = DIGEST_GRAMMAR.exec(value);
  if (!match) throw new InvalidDigestError(value, 'does not match algorithm:encoded');
  const algorithm = match[1] as string;
  const hex = match[2] as string;
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new InvalidDigestError(value, `unsupported algorithm ${algorithm}`);
  }
  if (!/^[a-f0-9]+$/.test(hex) || hex.length !== HEX_LENGTH[algorithm]) {
    throw new InvalidDigestError(value, `${algorithm} needs ${HEX_LENGTH[algorithm]} lowercase hex digits`);
  }
  return { algorithm, hex };
}

export function isDigest(value: string): boolean {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

export function digestOf(bytes: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Incremental hasher that also counts bytes. */
export class Digester {
  private readonly hash: Hash;
  size = 0;

  constructor(readonly algorithm: DigestAlgorithm = 'sha256') {
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }

  digest(): string {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}

/** A pass-through transform that digests and counts what flows through it. */
export class DigestingStream extends Transform {
  private readonly digester: Digester;
  private result: string | undefined;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    super();
    this.digester = new Digester(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.digester.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = this.digester.digest();
    done();
  }

  get size(): number {
    return this.digester.size;
  }

  /** The digest; only valid once the stream has ended. */
  digest(): string {
    if (this.result === undefined) throw new Error('digest() called before the stream ended');
    return this.result;
  }
}

/**
 * Pass-through that fails the stream when the content does not match the
 * expected digest and size. Too many bytes fail as soon as they arrive, so a
 * hostile source cannot make us read without bound.
 */
export class VerifyingStream extends Transform {
  private readonly digester: Digester;

  constructor(
    readonly expectedDigest: string,
    readonly expectedSize: number | undefined,
    private readonly what = 'blob',
    /** Stream options, e.g. a larger highWaterMark for a network source (fewer pauses of the socket). */
    options: { highWaterMark?: number } = {},
  ) {
    super(options);
    this.digester = new Digester(parseDigest(expectedDigest).algorithm);
  }

  /**
   * Does this stream already guarantee `digest` and `size`? Then a writer
   * that consumes it to the end need not hash the bytes a second time: the
   * stream itself fails before its end on any mismatch.
   */
  guarantees(digest: string, size: number | undefined): boolean {
    return this.expectedDigest === digest && this.expectedSize !== undefined && this.expectedSize === size;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.digester.update(chunk);
    if (this.expectedSize !== undefined && this.digester.size > this.expectedSize) {
      done(new SizeMismatchError(this.expectedSize, this.digester.size, this.what));
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.expectedSize !== undefined && this.digester.size !== this.expectedSize) {
      done(new SizeMismatchError(this.expectedSize, this.digester.size, this.what));
      return;
    }
    const actual = this.digester.digest();
    if (actual !== this.expectedDigest) {
      done(new DigestMismatchError(this.expectedDigest, actual, this.what));
      return;
    }
    done();
  }
}

/** Check bytes already in memory against a digest and size. */
export function verifyBytes(bytes: Uint8Array, digest: string, size: number | undefined, what = 'blob'): void {
  if (size !== undefined && bytes.length !== size) throw new SizeMismatchError(size, bytes.length, what);
  const actual = digestOf(bytes, parseDigest(digest).algorithm);
  if (actual !== digest) throw new DigestMismatchError(digest, actual, what);
}

/** The hex part of a digest, as used for blob file names. */
export function digestHex(digest: string): string {
  return parseDigest(digest).hex;
}
