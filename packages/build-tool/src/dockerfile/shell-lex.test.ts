import { describe, expect, it } from 'vitest';
import { expandWord, expandWords, splitRaw } from './shell-lex.js';

const env = new Map([['A', 'one'], ['EMPTY', ''], ['SP', 'x y']]);
const lookup = (n: string) => env.get(n);

describe('shell lexer', () => {
  it('expands plain and braced variables', () => {
    expect(expandWord('$A-${A}_$MISSING.', lookup)).toBe('one-one_.');
  });
  it('handles :- :+ - + modifiers, nested', () => {
    expect(expandWord('${MISSING:-def}', lookup)).toBe('def');
    expect(expandWord('${EMPTY:-def}', lookup)).toBe('def');
    expect(expandWord('${EMPTY-def}', lookup)).toBe('');
    expect(expandWord('${A:+alt}', lookup)).toBe('alt');
    expect(expandWord('${EMPTY:+alt}', lookup)).toBe('');
    expect(expandWord('${EMPTY+alt}', lookup)).toBe('alt');
    expect(expandWord('${MISSING:-${A}x}', lookup)).toBe('onex');
  });
  it('fails on ${VAR:?} when unset and on bad syntax', () => {
    expect(() => expandWord('${MISSING:?need it}', lookup)).toThrow(/need it/);
    expect(() => expandWord('${A', lookup)).toThrow(/missing }/);
    expect(() => expandWord('${}', lookup)).toThrow(/bad substitution/);
  });
  it('keeps single quotes literal, expands in double quotes, honours escapes', () => {
    expect(expandWord(`'$A' "$A" \\$A "\\$A" "a\\b"`, lookup)).toBe('$A one $A $A a\\b');
    expect(expandWord('`$A', lookup, '`')).toBe('$A');
    expect(expandWord('c:\\dir', lookup, '`')).toBe('c:\\dir');
  });
  it('splits words on unquoted whitespace, including unquoted expansions', () => {
    expect(expandWords('a "b c" $SP "$SP" \'\'', lookup)).toEqual(['a', 'b c', 'x', 'y', 'x y', '']);
  });
  it('splitRaw keeps quotes for KEY=VALUE lists', () => {
    expect(splitRaw('A=1 B="x y" C=\'$z\' D=a\\ b')).toEqual(['A=1', 'B="x y"', "C='$z'", 'D=a\\ b']);
    expect(() => splitRaw('A="open')).toThrow(/unterminated/);
  });
});
