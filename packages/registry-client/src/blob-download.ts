import { Readable } from 'node:stream';
import { OciError, type Descriptor, type Logger } from '@ocikit/oci-image';
import { pullScope, type RegistryClient } from './client.js';
import { networkError, RegistryError } from './errors.js';
import { backoffDelay, DEFAULT_ATTEMPTS, sleep, type RetryOptions } from './retry.js';

export interface DownloadOptions {
  signal?: AbortSignal | undefined;
  retry?: RetryOptions | undefined;
  logger?: Logger | undefined;
}

/**
 * A blob's raw bytes as one stream. When the connection breaks mid-body the
 * rest is asked for with Range and appended, so a long download survives a
 * reset; callers verify the digest (the model wraps this in a verifier).
 */
export function downloadBlob(client: RegistryClient, repository: string, descriptor: Descriptor, options: DownloadOptions = {}): Readable {
  const attempts = options.retry?.attempts ?? DEFAULT_ATTEMPTS;
  const path = `/v2/${repository}/blobs/${descriptor.digest}`;
  async function* chunks(): AsyncGenerator<Buffer> {
    let offset = 0;
    let failures = 0;
    for (;;) {
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      const response = await client.request({ method: 'GET', path, headers, scopes: [pullScope(repository)], expect: [200, 206], signal: options.signal });
      let skip = 0;
      if (offset > 0) {
        const range = /^bytes (\d+)-/.exec(response.header('content-range') ?? '');
        if (response.status === 200) skip = offset;
        else if (!range || Number(range[1]) !== offset) {
          response.body.destroy();
          throw new RegistryError('ERR_REGISTRY_PROTOCOL', `blob ${descriptor.digest}: the registry resumed at the wrong offset`);
        }
      }
      try {
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          let piece = chunk;
          if (skip > 0) {
            const dropped = Math.min(skip, piece.length);
            skip -= dropped;
            piece = piece.subarray(dropped);
            if (piece.length === 0) continue;
          }
          offset += piece.length;
          yield piece;
        }
        if (offset < descriptor.size) {
          throw new RegistryError('ERR_REGISTRY_NETWORK', `blob ${descriptor.digest}: the body ended after ${offset} of ${descriptor.size} bytes`, { retryable: true });
        }
        return;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const wrapped = error instanceof OciError ? error : networkError('GET', path, error);
        failures++;
        if (!(wrapped instanceof RegistryError) || !wrapped.retryable || failures >= attempts) throw wrapped;
        options.logger?.debug?.(`blob ${descriptor.digest}: ${wrapped.message}; resuming at byte ${offset}`);
        await sleep(backoffDelay(failures, options.retry), options.signal);
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1024 * 1024 });
}

/** HEAD a blob: its size, or undefined when absent. */
export async function headBlob(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<number | undefined> {
  const response = await client.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scopes: [pullScope(repository)], expect: [200, 404], signal });
  response.body.resume();
  if (response.status === 404) return undefined;
  const length = response.header('content-length');
  return length === null ? -1 : Number(length);
}
