import { describe, expect, it } from 'vitest';
import { localTransports } from '@ocikit/oci-image';
import { copyImage } from './copy-image.js';
import { dockerTransport } from './docker-transport.js';
import type { HttpRequest } from './http.js';

describe('copyImage', () => {
  it('pings a destination registry while the source is read, and ends that ping with the copy', async () => {
    const seen: HttpRequest[] = [];
    // A registry that never answers: the ping hangs until its signal aborts.
    const docker = dockerTransport({
      fetch: (request) => {
        seen.push(request);
        return new Promise((_resolve, reject) => request.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    });
    const transports = [...localTransports, docker];
    const failure = await copyImage('oci:/nonexistent-ocikit-layout:v1', 'docker://127.0.0.1:9/x/y:v1', { sourceTransports: transports, destinationTransports: transports }).catch(
      (e: unknown) => e,
    );
    expect((failure as { code?: string }).code).toMatch(/^ERR_OCI_/);
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual(['GET http://127.0.0.1:9/v2/']);
    expect(seen[0]!.signal?.aborted).toBe(true);
  });
});
