import { pipeline, Readable } from 'node:stream';
import { VerifyingStream } from './digest.js';
import type { Descriptor } from './types.js';

/** Opens the raw, not yet verified, bytes of a blob. A fresh stream each call. */
export type RawOpener = (signal?: AbortSignal) => Promise<Readable>;

/** A descriptor plus a way to read its bytes. Every read is verified. */
export interface Blob {
  readonly descriptor: Descriptor;
  /** A fresh stream that fails on a digest or size mismatch. */
  open(signal?: AbortSignal): Promise<Readable>;
  /** All bytes, verified; for small blobs (configs, manifests) only. */
  bytes(signal?: AbortSignal): Promise<Buffer>;
}

/**
 * Wrap a raw stream in a verifying transform; errors on either side end both.
 * A source that already is a verifying stream for this very digest and size
 * (a registry download) is returned as it is: one stage, one hash.
 */
export function verified(raw: Readable, descriptor: Descriptor, what = 'blob'): Readable {
  if (raw instanceof VerifyingStream && raw.guarantees(descriptor.digest, descriptor.size)) return raw;
  return pipeline(raw, new VerifyingStream(descriptor.digest, descriptor.size, `${what} ${descriptor.digest}`), () => {});
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function blobFromOpener(descriptor: Descriptor, openRaw: RawOpener): Blob {
  return {
    descriptor,
    async open(signal) {
      return verified(await openRaw(signal), descriptor);
    },
    async bytes(signal) {
      return readAll(verified(await openRaw(signal), descriptor));
    },
  };
}

/** A blob whose bytes are already in memory (configs and manifests we made). */
export function blobFromBytes(descriptor: Descriptor, bytes: Buffer): Blob {
  return blobFromOpener(descriptor, async () => Readable.from([bytes]));
}
