import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ParallelGzip } from './parallel-gzip.js';

async function gzipOf(data: Buffer, options: { level?: number; jobs?: number; piece?: number } = {}): Promise<Buffer> {
  const piece = options.piece ?? 70_000;
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += piece) pieces.push(data.subarray(i, i + piece));
  const chunks: Buffer[] = [];
  for await (const c of Readable.from(pieces).pipe(new ParallelGzip(options.level, options.jobs))) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('ParallelGzip', () => {
  const text = Buffer.from(randomBytes(1_500_000).toString('base64'));
  const data = Buffer.concat([text, randomBytes(1_200_000), Buffer.alloc(1 << 20, 'a'), text.subarray(0, 12_345)]);

  it('writes one standard gzip member that gunzip reads back', async () => {
    const out = await gzipOf(data);
    expect(gunzipSync(out).equals(data)).toBe(true);
    expect(out.length).toBeLessThan(data.length * 0.8);
    expect([...out.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  });

  it('gives the same bytes whatever the thread count and the input chunking', async () => {
    const reference = await gzipOf(data, { jobs: 1 });
    expect((await gzipOf(data, { jobs: 4, piece: 3333 })).equals(reference)).toBe(true);
    expect((await gzipOf(data, { level: 1 })).equals(reference)).toBe(false);
  });

  it('handles empty input and exact block multiples', async () => {
    expect(gunzipSync(await gzipOf(Buffer.alloc(0))).length).toBe(0);
    const exact = Buffer.alloc(2 << 20, 7);
    expect(gunzipSync(await gzipOf(exact)).equals(exact)).toBe(true);
  });
});
