import type { Readable } from 'node:stream';
import { OciError, VerifyingStream, type Descriptor, type Logger } from '@ocikit/oci-image';
import { pullScope, type RegistryClient } from './client.js';
import { networkError, RegistryError } from './errors.js';
import { backoffDelay, DEFAULT_ATTEMPTS, sleep, type RetryOptions } from './retry.js';

export interface DownloadOptions {
  signal?: AbortSignal | undefined;
  retry?: RetryOptions | undefined;
  logger?: Logger | undefined;
}

/** Smaller blobs (configs, small layers) stay on node:http, whose agent also serves the manifests and pings. */
const BULK_MIN_SIZE = 1024 * 1024;

/** Socket reads come in 64 KiB; a 1 MiB buffer lets a slow disk lag without pausing the socket each chunk. */
const HIGH_WATER_MARK = 1024 * 1024;

/**
 * A blob's bytes as one verified stream. When the connection breaks mid-body
 * the rest is asked for with Range and appended, so a long download survives
 * a reset. The response body is written straight into a VerifyingStream (one
 * stage, one hash): it fails on a size or digest mismatch before it ends, and
 * the model does not wrap it again (verified() passes it through).
 */
export function downloadBlob(client: RegistryClient, repository: string, descriptor: Descriptor, options: DownloadOptions = {}): Readable {
  const attempts = options.retry?.attempts ?? DEFAULT_ATTEMPTS;
  const path = `/v2/${repository}/blobs/${descriptor.digest}`;
  const out = new VerifyingStream(descriptor.digest, descriptor.size, `blob ${descriptor.digest}`, { highWaterMark: HIGH_WATER_MARK });
  let offset = 0;
  let failures = 0;
  let current: Readable | undefined;
  out.on('close', () => current?.destroy());

  const fail = (error: unknown) => {
    if (!out.destroyed) out.destroy(error instanceof Error ? error : new Error(String(error)));
  };

  const retry = async (error: unknown): Promise<void> => {
    if (out.destroyed) return;
    if (options.signal?.aborted) return fail(error);
    const wrapped = error instanceof OciError ? error : networkError('GET', path, error);
    failures++;
    if (!(wrapped instanceof RegistryError) || !wrapped.retryable || failures >= attempts) return fail(wrapped);
    options.logger?.debug?.(`blob ${descriptor.digest}: ${wrapped.message}; resuming at byte ${offset}`);
    try {
      await sleep(backoffDelay(failures, options.retry), options.signal);
    } catch (abort) {
      return fail(abort);
    }
    void fetchFrom();
  };

  const fetchFrom = async (): Promise<void> => {
    let response;
    try {
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      response = await client.request({ method: 'GET', path, headers, scopes: [pullScope(repository)], expect: [200, 206], signal: options.signal, bulk: descriptor.size >= BULK_MIN_SIZE });
    } catch (error) {
      return fail(error);
    }
    if (out.destroyed) {
      response.body.destroy();
      return;
    }
    let skip = 0;
    if (offset > 0) {
      const range = /^bytes (\d+)-/.exec(response.header('content-range') ?? '');
      if (response.status === 200) skip = offset;
      else if (!range || Number(range[1]) !== offset) {
        response.body.destroy();
        return fail(new RegistryError('ERR_REGISTRY_PROTOCOL', `blob ${descriptor.digest}: the registry resumed at the wrong offset`));
      }
    }
    const body = response.body;
    current = body;
    let settled = false;
    const onData = (chunk: Buffer) => {
      if (out.destroyed) return;
      let piece = chunk;
      if (skip > 0) {
        const dropped = Math.min(skip, piece.length);
        skip -= dropped;
        piece = piece.subarray(dropped);
        if (piece.length === 0) return;
      }
      offset += piece.length;
      if (!out.write(piece)) {
        body.pause();
        out.once('drain', () => body.resume());
      }
    };
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      if (error === undefined && offset >= descriptor.size) {
        out.end();
        return;
      }
      body.destroy();
      void retry(error ?? new RegistryError('ERR_REGISTRY_NETWORK', `blob ${descriptor.digest}: the body ended after ${offset} of ${descriptor.size} bytes`, { retryable: true }));
    };
    body.on('data', onData);
    body.once('end', () => finish());
    body.once('error', (error) => finish(error));
    // A close without 'end' or 'error' is a cut connection; the error is built only then (stack traces cost).
    body.once('close', () =>
      setImmediate(() => {
        if (!settled) finish(new RegistryError('ERR_REGISTRY_NETWORK', `blob ${descriptor.digest}: connection closed after ${offset} bytes`, { retryable: true }));
      }),
    );
  };

  void fetchFrom();
  return out;
}

/** HEAD a blob: its size, or undefined when absent. */
export async function headBlob(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<number | undefined> {
  const response = await client.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scopes: [pullScope(repository)], expect: [200, 404], signal });
  response.body.resume();
  if (response.status === 404) return undefined;
  const length = response.header('content-length');
  return length === null ? -1 : Number(length);
}
