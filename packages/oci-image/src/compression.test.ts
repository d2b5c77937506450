import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readAll } from './blob.js';
import { compressor, decompressStream, detectCompression } from './compression.js';

const data = Buffer.from('layer bytes '.repeat(5000));

function chunked(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

async function compress(kind: 'gzip' | 'zstd', bytes: Buffer): Promise<Buffer> {
  return readAll(Readable.from([bytes]).pipe(await compressor(kind)));
}

describe('compression', () => {
  it('detects gzip, zstd and plain bytes by their magic', async () => {
    expect(detectCompression(gzipSync(data))).toBe('gzip');
    expect(detectCompression(await compress('zstd', data))).toBe('zstd');
    expect(detectCompression(data)).toBe('none');
  });

  it('decompresses gzip and zstd in any chunking, including one-chunk and empty streams', async () => {
    for (const kind of ['gzip', 'zstd'] as const) {
      const packed = await compress(kind, data);
      for (const size of [1, 3, 7, 4096, packed.length]) expect(await readAll(await decompressStream(chunked(packed, size), kind))).toEqual(data);
      expect(await readAll(await decompressStream(Readable.from([await compress(kind, Buffer.alloc(0))]), kind))).toEqual(Buffer.alloc(0));
    }
    expect(await readAll(await decompressStream(Readable.from([]), 'none'))).toEqual(Buffer.alloc(0));
  });

  it('accepts a plain tar under the Docker gzip type but refuses other mismatches', async () => {
    expect(await readAll(await decompressStream(Readable.from([data]), 'gzip'))).toEqual(data);
    await expect(decompressStream(Readable.from([gzipSync(data)]), 'zstd')).rejects.toMatchObject({ code: 'ERR_OCI_COMPRESSION' });
    await expect(decompressStream(Readable.from([gzipSync(data)]), 'none')).rejects.toMatchObject({ code: 'ERR_OCI_COMPRESSION' });
  });

  it('fails a truncated stream with one clear error', async () => {
    const packed = gzipSync(data);
    await expect(readAll(await decompressStream(Readable.from([packed.subarray(0, packed.length - 20)]), 'gzip'))).rejects.toMatchObject({
      code: 'ERR_OCI_DECOMPRESS',
    });
  });
});
