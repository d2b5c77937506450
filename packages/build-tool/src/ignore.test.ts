import { describe, expect, it } from 'vitest';
import { IgnoreRules } from './ignore.js';

describe('IgnoreRules', () => {
  it('matches Docker semantics: components, **, parents, exceptions, last rule wins', () => {
    const rules = IgnoreRules.parse('# comment\n*.log\n/build\n**/*.tmp\nsecret?\n!keep.log\ndocs/**\n!docs/README.md\n');
    expect(rules.ignores('a.log')).toBe(true);
    expect(rules.ignores('sub/a.log')).toBe(false);
    expect(rules.ignores('keep.log')).toBe(false);
    expect(rules.ignores('build/x/y.c')).toBe(true);
    expect(rules.ignores('x/y/z.tmp')).toBe(true);
    expect(rules.ignores('z.tmp')).toBe(true);
    expect(rules.ignores('secret1')).toBe(true);
    expect(rules.ignores('secret12')).toBe(false);
    expect(rules.ignores('docs/guide.md')).toBe(true);
    expect(rules.ignores('docs/README.md')).toBe(false);
    expect(rules.hasExceptions).toBe(true);
  });
  it('an empty file ignores nothing', () => {
    expect(IgnoreRules.parse('\n\n').empty).toBe(true);
    expect(IgnoreRules.parse('').ignores('anything')).toBe(false);
  });
});
