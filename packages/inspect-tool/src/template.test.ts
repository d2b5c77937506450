import { describe, expect, it } from 'vitest';
import { goString, renderTemplate } from './template.js';
import { goTime } from './inspect.js';

const data = { Digest: 'sha256:abc', Labels: { a: '1', 'x.y': 'dotted' }, Env: ['A=1', 'B=2'], Layers: [], Empty: null, N: 3 };

describe('renderTemplate', () => {
  it('prints fields as Go does', () => {
    expect(renderTemplate('{{.Digest}}', data)).toBe('sha256:abc');
    expect(renderTemplate('d={{ .Digest }} l={{.Labels.a}}', data)).toBe('d=sha256:abc l=1');
    expect(renderTemplate('{{.Env}}', data)).toBe('[A=1 B=2]');
    expect(renderTemplate('{{.Labels}}', data)).toBe('map[a:1 x.y:dotted]');
    expect(renderTemplate('{{.Missing}}|{{.Empty}}|{{.Labels.nope}}', data)).toBe('<no value>|<nil>|<no value>');
  });

  it('has json, index and len, and pipes', () => {
    expect(renderTemplate('{{json .Env}}', data)).toBe('["A=1","B=2"]');
    expect(renderTemplate('{{.Labels | json}}', data)).toBe('{"a":"1","x.y":"dotted"}');
    expect(renderTemplate('{{index .Labels "x.y"}}', data)).toBe('dotted');
    expect(renderTemplate('{{len .Env}} {{len .Layers}}', data)).toBe('2 0');
    expect(renderTemplate('{{json .Missing}}', data)).toBe('null');
  });

  it('fails with one clear error on bad templates', () => {
    expect(() => renderTemplate('{{.Digest', data)).toThrow(/unclosed action/);
    expect(() => renderTemplate('{{upper .Digest}}', data)).toThrow(/function "upper" not defined/);
    expect(() => renderTemplate('{{.Digest.x}}', data)).toThrow(/can't evaluate field x/);
    expect(() => renderTemplate('{{index .Labels "a}}', data)).toThrow(/unterminated string/);
  });

  it('goString formats nested values', () => {
    expect(goString([{ b: 1, a: [true] }])).toBe('[map[a:[true] b:1]]');
  });
});

describe('goTime', () => {
  it('prints RFC 3339 as Go does', () => {
    expect(goTime('2024-01-02T03:04:05.120000000Z')).toBe('2024-01-02T03:04:05.12Z');
    expect(goTime('2024-01-02T03:04:05.000Z')).toBe('2024-01-02T03:04:05Z');
    expect(goTime('2024-01-02T03:04:05+00:00')).toBe('2024-01-02T03:04:05Z');
    expect(goTime('2024-01-02T03:04:05.5+02:00')).toBe('2024-01-02T03:04:05.5+02:00');
    expect(goTime(undefined)).toBeNull();
  });
});
