import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from './chunked-decoder.js';

const WIRE = Buffer.from('5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nx-trailer: yes\r\n\r\nleftover', 'latin1');

function decodeIn(pieces: Buffer[]): { payload: string; done: boolean } {
  const decoder = new ChunkedDecoder();
  const out: Buffer[] = [];
  for (const piece of pieces) out.push(decoder.push(piece));
  return { payload: Buffer.concat(out).toString('latin1'), done: decoder.done };
}

describe('ChunkedDecoder', () => {
  it('decodes sizes, extensions and trailers, whole or split at any byte', () => {
    expect(decodeIn([WIRE])).toEqual({ payload: 'hello 0123456789', done: true });
    for (let cut = 1; cut < WIRE.length; cut++) {
      expect(decodeIn([WIRE.subarray(0, cut), WIRE.subarray(cut)])).toEqual({ payload: 'hello 0123456789', done: true });
    }
    const bytewise = [...WIRE].map((b) => Buffer.from([b]));
    expect(decodeIn(bytewise)).toEqual({ payload: 'hello 0123456789', done: true });
  });

  it('is not done until the last chunk and its empty trailer line', () => {
    expect(decodeIn([Buffer.from('3\r\nabc\r\n0\r\n')]).done).toBe(false);
    expect(decodeIn([Buffer.from('3\r\nabc\r\n')])).toEqual({ payload: 'abc', done: false });
  });

  it('refuses a bad size line, missing CRLF after data and endless lines', () => {
    expect(() => new ChunkedDecoder().push(Buffer.from('zz\r\n'))).toThrow(/invalid chunked encoding/);
    expect(() => new ChunkedDecoder().push(Buffer.from('-1\r\n'))).toThrow(/bad chunk size/);
    expect(() => new ChunkedDecoder().push(Buffer.from('2\r\nabX\r\n'))).toThrow(/missing CRLF/);
    expect(() => new ChunkedDecoder().push(Buffer.alloc(5000, 0x31))).toThrow(/line too long/);
  });
});
