import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localTransports, OciError, type ImageDestination, type Transport } from '@ocikit/oci-image';
import { makeTestImage } from '../test/support/images.js';
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

  it('stops the other transfers when one blob fails for good', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ocikit-rc-copy-'));
    try {
      await makeTestImage(join(work, 'src'), 'v1', { layers: 2, layerSize: 10_000 });
      const signals: Array<AbortSignal | undefined> = [];
      let bothStarted!: () => void;
      const started = new Promise<void>((resolve) => (bothStarted = resolve));
      const destination: ImageDestination = {
        reference: 'fake:x',
        supportsIndex: true,
        hasBlob: async () => false,
        async putBlob(descriptor, content, options) {
          content.resume();
          if (descriptor.mediaType.includes('config')) {
            await started;
            throw new OciError('ERR_FAKE_REFUSED', 'refused for good');
          }
          signals.push(options?.signal);
          if (signals.length === 2) bothStarted();
          // A layer upload that runs until someone stops it.
          await new Promise((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(new Error('stopped'))));
        },
        putManifest: async () => {},
        commit: async () => 'fake:x',
        abort: async () => {},
      };
      const fake: Transport<string> = {
        name: 'fake',
        parse: (rest) => rest,
        format: (value) => `fake:${value}`,
        openSource: async () => {
          throw new Error('not a source');
        },
        openDestination: async () => destination,
      };
      const failure = await copyImage(`oci:${join(work, 'src')}:v1`, 'fake:x', { sourceTransports: localTransports, destinationTransports: [fake] }).catch((e: unknown) => e);
      expect((failure as OciError).code).toBe('ERR_FAKE_REFUSED');
      expect(signals).toHaveLength(2);
      expect(signals.every((s) => s?.aborted)).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
