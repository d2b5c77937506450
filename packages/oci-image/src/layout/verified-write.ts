import type { Readable } from 'node:stream';
import { DigestingStream, parseDigest, VerifyingStream } from '../digest.js';
import { DigestMismatchError, SizeMismatchError } from '../errors.js';
import type { Descriptor } from '../types.js';
import { streamToFileAtomic } from './atomic-file.js';

/** Stream a blob to `path`, digesting as it goes; it appears under its name only if it verifies. */
export async function writeVerifiedBlob(
  path: string,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
  content: Readable,
  signal?: AbortSignal,
): Promise<void> {
  // A verified read of the same blob (the copy engine's) is not hashed twice.
  if (content instanceof VerifyingStream && content.guarantees(descriptor.digest, descriptor.size)) {
    await streamToFileAtomic(path, content, () => {}, signal);
    return;
  }
  const hasher = new DigestingStream(parseDigest(descriptor.digest).algorithm);
  await streamToFileAtomic(
    path,
    content,
    () => {
      if (descriptor.size !== undefined && hasher.size !== descriptor.size) throw new SizeMismatchError(descriptor.size, hasher.size);
      if (hasher.digest() !== descriptor.digest) throw new DigestMismatchError(descriptor.digest, hasher.digest());
    },
    signal,
    [hasher],
  );
}
