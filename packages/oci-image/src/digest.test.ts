import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestOf, parseDigest, VerifyingStream } from './digest.js';
import { readAll } from './blob.js';

describe('digests', () => {
  it('parses sha256 and sha512 and rejects malformed ones', () => {
    const d = digestOf('hello');
    expect(parseDigest(d)).toEqual({ algorithm: 'sha256', hex: d.slice(7) });
    expect(parseDigest(digestOf('x', 'sha512')).algorithm).toBe('sha512');
    expect(() => parseDigest('sha256:abc')).toThrow(/64 lowercase hex/);
    expect(() => parseDigest('md5:' + 'a'.repeat(32))).toThrow(/unsupported algorithm/);
    expect(() => parseDigest('nocolon')).toThrow(/ERR_OCI|algorithm:encoded/);
    expect(() => parseDigest('sha256:' + 'A'.repeat(64))).toThrow(/lowercase/);
  });

  it('verifying stream passes good bytes and fails on wrong digest or size', async () => {
    const bytes = Buffer.from('content');
    const good = Readable.from([bytes]).pipe(new VerifyingStream(digestOf(bytes), bytes.length));
    expect((await readAll(good)).toString()).toBe('content');
    const wrongDigest = Readable.from([bytes]).pipe(new VerifyingStream(digestOf('other'), bytes.length));
    await expect(readAll(wrongDigest)).rejects.toMatchObject({ code: 'ERR_OCI_DIGEST_MISMATCH' });
    const tooLong = Readable.from([bytes]).pipe(new VerifyingStream(digestOf(bytes), 3));
    await expect(readAll(tooLong)).rejects.toMatchObject({ code: 'ERR_OCI_SIZE_MISMATCH' });
  });
});

describe('VerifyingStream.guarantees', () => {
  it('holds only for the same digest and a known, equal size', () => {
    const d = digestOf('abc');
    expect(new VerifyingStream(d, 3).guarantees(d, 3)).toBe(true);
    expect(new VerifyingStream(d, 3).guarantees(d, 4)).toBe(false);
    expect(new VerifyingStream(d, undefined).guarantees(d, 3)).toBe(false);
    expect(new VerifyingStream(d, 3).guarantees(digestOf('x'), 3)).toBe(false);
  });
});
