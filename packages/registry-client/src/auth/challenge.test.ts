import { describe, expect, it } from 'vitest';
import { parseChallenges } from './challenge.js';
import { backoffDelay, parseRetryAfter } from '../retry.js';

describe('parseChallenges', () => {
  it('parses bearer challenges with quoted params', () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
    ]);
  });
  it('parses basic and several challenges', () => {
    expect(parseChallenges('Basic realm="x"')).toEqual([{ scheme: 'basic', params: { realm: 'x' } }]);
    expect(parseChallenges('Basic realm="x", Bearer realm="y",service=s')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'y', service: 's' } },
    ]);
    expect(parseChallenges(null)).toEqual([]);
  });
});

describe('retry timing', () => {
  it('honours Retry-After in seconds and dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(backoffDelay(1, {}, 1500)).toBe(1500);
    expect(backoffDelay(1, { maxDelayMs: 1000 }, 5000)).toBe(1000);
  });
  it('backs off exponentially with jitter', () => {
    expect(backoffDelay(1, { baseDelayMs: 100 }, undefined, () => 0)).toBe(50);
    expect(backoffDelay(3, { baseDelayMs: 100 }, undefined, () => 1)).toBe(400);
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 2000 }, undefined, () => 1)).toBe(2000);
  });
});
