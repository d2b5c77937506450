import { describe, expect, it } from 'vitest';
import { digestOf } from '../digest.js';
import { formatOciReference, parseOciReference } from './oci.js';

const d = digestOf('x');

describe('the oci: reference grammar', () => {
  it('parses DIR, DIR:REF, DIR:@DIGEST and DIR:REF@DIGEST', () => {
    expect(parseOciReference('l', 'oci:l')).toEqual({ path: 'l', ref: undefined });
    expect(parseOciReference('l:', 'oci:l:')).toEqual({ path: 'l', ref: undefined });
    expect(parseOciReference('l:v1.0', 'oci:l:v1.0')).toEqual({ path: 'l', ref: 'v1.0' });
    expect(parseOciReference('l:a:b', 'oci:l:a:b')).toEqual({ path: 'l', ref: 'a:b' });
    expect(parseOciReference(`l:@${d}`, '')).toEqual({ path: 'l', ref: undefined, digest: d });
    expect(parseOciReference(`l:v1@${d}`, '')).toEqual({ path: 'l', ref: 'v1', digest: d });
    // an @ that is not followed by a digest is part of the ref name, as the spec allows
    expect(parseOciReference('l:name@other', '')).toEqual({ path: 'l', ref: 'name@other' });
  });

  it('formats what it parses', () => {
    for (const text of ['l', 'l:v1', `l:@${d}`, `l:v1@${d}`]) expect(formatOciReference('oci', parseOciReference(text, text))).toBe(`oci:${text}`);
  });

  it('refuses bad names and bad digests', () => {
    expect(() => parseOciReference('l:bad name', 'oci:l:bad name')).toThrow(/not a valid ref name/);
    expect(() => parseOciReference('l:@sha256:abc', '')).toThrow(/64 lowercase hex/);
    expect(() => parseOciReference(':x', 'oci::x')).toThrow(/no layout path/);
  });
});
