import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readAll, verified, type Descriptor } from '@ocikit/oci-image';
import { downloadBlob } from './blob-download.js';
import { RegistryClient } from './client.js';
import type { HttpFetch } from './http.js';

/** A registry in a function: /v2/ answers 200, the blob URL answers with `body()`. */
function fakeRegistry(body: () => Buffer): HttpFetch {
  return async (request) => ({
    status: 200,
    url: request.url,
    header: () => null,
    body: Readable.from(request.url.endsWith('/v2/') ? [] : [body()]),
  });
}

const bytes = Buffer.from('layer bytes '.repeat(10_000));
const descriptor: Descriptor = {
  mediaType: 'application/vnd.oci.image.layer.v1.tar',
  digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  size: bytes.length,
};

describe('downloadBlob', () => {
  it('is itself the verifying stage: the model does not wrap it again', async () => {
    const client = new RegistryClient({ registry: 'localhost:1', fetch: fakeRegistry(() => bytes), allowHttp: true });
    const stream = downloadBlob(client, 'a/b', descriptor);
    expect(verified(stream, descriptor)).toBe(stream);
    expect((await readAll(stream)).equals(bytes)).toBe(true);
  });

  it('fails on bytes that do not match the digest, or too many of them', async () => {
    const wrong = Buffer.from(bytes);
    wrong[5] = 0;
    const client = new RegistryClient({ registry: 'localhost:1', fetch: fakeRegistry(() => wrong), allowHttp: true });
    await expect(readAll(downloadBlob(client, 'a/b', descriptor))).rejects.toMatchObject({ code: 'ERR_OCI_DIGEST_MISMATCH' });
    const long = new RegistryClient({ registry: 'localhost:1', fetch: fakeRegistry(() => Buffer.concat([bytes, bytes])), allowHttp: true });
    await expect(readAll(downloadBlob(long, 'a/b', descriptor))).rejects.toMatchObject({ code: expect.stringMatching(/SIZE/) });
  });
});
