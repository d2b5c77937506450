import { describe, expect, it } from 'vitest';
import { chainIds } from './chain.js';
import { candidateNames, idPrefix, normaliseImageName, repositoryBase } from './names.js';
import { formatStorageReference, parseStorageReference } from './transport.js';
import { digestOf } from '@ocikit/oci-image';

describe('image names', () => {
  it('adds :latest, keeps tags and digests, refuses bad names', () => {
    expect(normaliseImageName('alpine')).toBe('alpine:latest');
    expect(normaliseImageName('localhost:5000/team/app')).toBe('localhost:5000/team/app:latest');
    expect(normaliseImageName('example.com/app:1.2')).toBe('example.com/app:1.2');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(normaliseImageName(`app@${digest}`)).toBe(`app@${digest}`);
    expect(() => normaliseImageName('Upper/Case')).toThrow(/not a valid image name/);
    expect(() => normaliseImageName('a b')).toThrow();
  });

  it('tries short names as podman does', () => {
    expect(candidateNames('alpine')).toEqual(['alpine:latest', 'localhost/alpine:latest', 'docker.io/alpine:latest', 'docker.io/library/alpine:latest']);
    expect(candidateNames('quay.io/x/y:1')).toEqual(['quay.io/x/y:1']);
    expect(repositoryBase('quay.io/x/y:1')).toBe('y');
  });

  it('tells ids from names', () => {
    expect(idPrefix('abcd12')).toBe('abcd12');
    expect(idPrefix(`sha256:${'b'.repeat(64)}`)).toBe('b'.repeat(64));
    expect(idPrefix('alpine')).toBeUndefined();
  });
});

describe('chain IDs', () => {
  it('follow image-spec config.md', () => {
    const [a, b, c] = [digestOf('a'), digestOf('b'), digestOf('c')];
    const ab = digestOf(`${a} ${b}`);
    expect(chainIds([a, b, c])).toEqual([a, ab, digestOf(`${ab} ${c}`)]);
    expect(chainIds([])).toEqual([]);
  });
});

describe('storage: references', () => {
  it('parses NAME, [ROOT]NAME and [DRIVER@ROOT+RUNROOT]NAME', () => {
    expect(parseStorageReference('app', 'storage:app')).toEqual({ root: undefined, runroot: undefined, driver: undefined, name: 'app:latest' });
    expect(parseStorageReference('[/srv/store]app:1', 'x')).toMatchObject({ root: '/srv/store', name: 'app:1' });
    expect(parseStorageReference('[vfs@/srv/store+/run/s]localhost/app:2', 'x')).toEqual({ root: '/srv/store', runroot: '/run/s', driver: 'vfs', name: 'localhost/app:2' });
    expect(parseStorageReference('[overlay@/s]', 'x')).toMatchObject({ driver: 'overlay', name: undefined });
    expect(parseStorageReference('0123abcd', 'x').name).toBe('0123abcd');
    expect(formatStorageReference(parseStorageReference('[vfs@/s]app:1', 'x'))).toBe('storage:[vfs@/s]app:1');
    expect(() => parseStorageReference('[/s', 'storage:[/s')).toThrow(/closing/);
    expect(() => parseStorageReference('[zfs@/s]a', 'x')).toThrow(/unknown storage driver/);
    expect(() => parseStorageReference('Bad Name', 'x')).toThrow(/not a valid image name/);
  });
});
