import { describe, expect, it } from 'vitest';
import { formatDockerReference, parseDockerReference } from './reference.js';

describe('parseDockerReference', () => {
  it('applies docker.io defaults', () => {
    expect(parseDockerReference('busybox')).toEqual({ registry: 'docker.io', repository: 'library/busybox', tag: 'latest', digest: undefined });
    expect(parseDockerReference('user/app:1.0').repository).toBe('user/app');
    expect(parseDockerReference('index.docker.io/user/app').registry).toBe('docker.io');
  });
  it('recognises hosts, ports and localhost', () => {
    expect(parseDockerReference('localhost/app')).toMatchObject({ registry: 'localhost', repository: 'app', tag: 'latest' });
    expect(parseDockerReference('127.0.0.1:5000/a/b:v1')).toMatchObject({ registry: '127.0.0.1:5000', repository: 'a/b', tag: 'v1' });
    expect(parseDockerReference('quay.io/x/y')).toMatchObject({ registry: 'quay.io', repository: 'x/y' });
  });
  it('keeps tag and digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseDockerReference(`h.io/r:t@${digest}`)).toMatchObject({ tag: 't', digest });
    expect(parseDockerReference(`h.io/r@${digest}`)).toMatchObject({ tag: undefined, digest });
    expect(formatDockerReference(parseDockerReference(`h.io:5000/r:t@${digest}`))).toBe(`h.io:5000/r:t@${digest}`);
  });
  it('rejects bad references with clear errors', () => {
    expect(() => parseDockerReference('h.io/Upper')).toThrow(/lowercase/);
    expect(() => parseDockerReference('h.io/r:-bad')).toThrow(/bad tag/);
    expect(() => parseDockerReference('h.io/r@sha256:zz')).toThrow(/bad digest/);
    expect(() => parseDockerReference('h.io//r')).toThrow(/empty path/);
    expect(() => parseDockerReference('')).toThrow(/empty/);
    try {
      parseDockerReference('h.io/r:-bad');
    } catch (error) {
      expect((error as { code: string }).code).toBe('ERR_OCI_REFERENCE');
    }
  });
});
