import type { Readable } from 'node:stream';
import { OciError, type Descriptor } from '@ocikit/oci-image';
import { pullScope, pushScope, type RegistryClient } from './client.js';
import { networkError, RegistryError } from './errors.js';
import { discardBody } from './http.js';

export interface UploadOptions {
  signal?: AbortSignal | undefined;
  /** Send in PATCH chunks of at least this many bytes (raised to OCI-Chunk-Min-Length); default: one PUT. */
  chunkSize?: number | undefined;
}

interface UploadSession {
  location: string;
  minChunk: number;
}

function sessionFrom(client: RegistryClient, location: string | null, what: string, minChunk?: string | null): UploadSession {
  if (!location) throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: the registry sent no Location for the upload`);
  return { location, minChunk: Number(minChunk ?? 0) || 0 };
}

/** The upload URL with digest=... added, keeping the registry's own query (its upload state). */
function withDigest(location: string, base: string, digest: string): string {
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  return url.toString();
}

async function startUpload(client: RegistryClient, repository: string, signal?: AbortSignal): Promise<UploadSession> {
  const response = await client.request({
    method: 'POST',
    path: `/v2/${repository}/blobs/uploads/`,
    headers: { 'content-length': '0' },
    scopes: [pushScope(repository)],
    expect: [202],
    signal,
  });
  discardBody(response);
  return sessionFrom(client, response.header('location'), `upload to ${repository}`, response.header('oci-chunk-min-length'));
}

async function cancelUpload(client: RegistryClient, repository: string, location: string): Promise<void> {
  try {
    const response = await client.request({ method: 'DELETE', path: location, scopes: [pushScope(repository)], expect: [204, 200, 202, 404] });
    discardBody(response);
  } catch {
    // Best effort: the registry purges abandoned uploads itself.
  }
}

/**
 * Upload a blob from a stream: POST, then one streamed PUT (or PATCH chunks
 * then PUT). The registry checks the digest before the blob exists under its
 * name, so a broken upload never leaves a bad blob behind.
 */
export async function uploadBlob(client: RegistryClient, repository: string, descriptor: Descriptor, content: Readable, options: UploadOptions = {}): Promise<void> {
  let session: UploadSession | undefined;
  // A failing source (a digest mismatch while reading) must surface as itself, not as a network error.
  let sourceError: unknown;
  content.once('error', (error) => (sourceError ??= error));
  try {
    session = await startUpload(client, repository, options.signal);
    const base = await client.baseUrl();
    if (options.chunkSize) {
      session = await sendChunks(client, repository, session, content, options.chunkSize, options.signal);
      const response = await client.request({
        method: 'PUT',
        path: withDigest(session.location, base, descriptor.digest),
        headers: { 'content-length': '0' },
        scopes: [pushScope(repository)],
        expect: [201, 204],
        signal: options.signal,
      });
      discardBody(response);
    } else {
      const response = await client.request({
        method: 'PUT',
        path: withDigest(session.location, base, descriptor.digest),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
        body: content,
        scopes: [pushScope(repository)],
        expect: [201, 204],
        signal: options.signal,
      });
      discardBody(response);
    }
  } catch (error) {
    content.destroy();
    if (session) await cancelUpload(client, repository, session.location);
    if (sourceError instanceof OciError) throw sourceError;
    if (error instanceof OciError) throw error;
    throw networkError('PUT', `/v2/${repository}/blobs/uploads/`, error);
  }
}

/** Read the stream into chunks of `size` bytes (the last may be shorter). */
async function* chunked(content: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of content as AsyncIterable<Buffer>) {
    let rest = chunk;
    while (length + rest.length >= size) {
      const take = size - length;
      parts.push(rest.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      length = 0;
      rest = rest.subarray(take);
    }
    if (rest.length) {
      parts.push(rest);
      length += rest.length;
    }
  }
  if (length) yield Buffer.concat(parts);
}

/** PATCH each chunk with Content-Range; a chunk is a Buffer, so a failed PATCH is retried safely. */
async function sendChunks(client: RegistryClient, repository: string, session: UploadSession, content: Readable, wanted: number, signal?: AbortSignal): Promise<UploadSession> {
  const size = Math.max(wanted, session.minChunk);
  let offset = 0;
  let current = session;
  for await (const chunk of chunked(content, size)) {
    const response = await client.request({
      method: 'PATCH',
      path: current.location,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(chunk.length),
        'content-range': `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      scopes: [pushScope(repository)],
      expect: [202],
      signal,
    });
    discardBody(response);
    offset += chunk.length;
    current = sessionFrom(client, response.header('location') ?? current.location, `upload to ${repository}`, String(current.minChunk));
  }
  return current;
}

/**
 * Cross-repository mount: ask the registry to link a blob it holds in
 * `fromRepository`. True when mounted (201); false when it started an upload
 * instead (202), which we cancel.
 */
export async function mountBlob(client: RegistryClient, repository: string, fromRepository: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  const query = new URLSearchParams({ mount: digest, from: fromRepository });
  const response = await client.request({
    method: 'POST',
    path: `/v2/${repository}/blobs/uploads/?${query}`,
    headers: { 'content-length': '0' },
    scopes: [pushScope(repository), pullScope(fromRepository)],
    expect: [201, 202],
    signal,
  });
  discardBody(response);
  if (response.status === 201) return true;
  const location = response.header('location');
  if (location) await cancelUpload(client, repository, location);
  return false;
}
