/**
 * Dockerfile word processing (what BuildKit's shell lexer does for ADD, COPY,
 * ENV, LABEL, ARG, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, FROM): quotes
 * removed, the escape character honoured, and $VAR / ${VAR} / ${VAR:-word} /
 * ${VAR-word} / ${VAR:+word} / ${VAR+word} / ${VAR:?msg} expanded. RUN and
 * CMD in shell form are left to the shell.
 */

export type Lookup = (name: string) => string | undefined;

export class ExpansionError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

interface Piece {
  text: string;
  /** Came from an unquoted expansion: may be split on whitespace into several words. */
  splittable: boolean;
}

class Lexer {
  private pos = 0;
  constructor(private readonly src: string, private readonly lookup: Lookup, private readonly escape: string) {}

  /** Words separated by unquoted whitespace; `split` also splits unquoted expansion results. */
  words(split: boolean): string[] {
    const out: string[] = [];
    let current: Piece[] = [];
    let inWord = false;
    const finish = () => {
      if (!inWord) return;
      let word = '';
      for (const piece of current) {
        if (!split || !piece.splittable) {
          word += piece.text;
          continue;
        }
        const parts = piece.text.split(/[ \t\r\n]+/);
        parts.forEach((part, i) => {
          if (i > 0) {
            if (word !== '') out.push(word);
            word = '';
          }
          word += part;
        });
      }
      if (word !== '' || current.every((p) => !p.splittable)) out.push(word);
      current = [];
      inWord = false;
    };
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos] as string;
      if (/\s/.test(ch)) {
        finish();
        this.pos++;
        continue;
      }
      inWord = true;
      current.push(...this.token());
    }
    finish();
    return out;
  }

  /** The whole input as one word (no splitting). */
  word(): string {
    let out = '';
    while (this.pos < this.src.length) out += this.token().map((p) => p.text).join('');
    return out;
  }

  private token(): Piece[] {
    const ch = this.src[this.pos] as string;
    if (ch === "'") return [{ text: this.singleQuoted(), splittable: false }];
    if (ch === '"') return [{ text: this.doubleQuoted(), splittable: false }];
    if (ch === '$') return [{ text: this.dollar(), splittable: true }];
    if (ch === this.escape) {
      this.pos++;
      if (this.pos >= this.src.length) return [{ text: '', splittable: false }];
      return [{ text: this.src[this.pos++] as string, splittable: false }];
    }
    this.pos++;
    return [{ text: ch, splittable: false }];
  }

  private singleQuoted(): string {
    const start = this.pos++;
    const end = this.src.indexOf("'", this.pos);
    if (end < 0) throw new ExpansionError('unterminated single quote', start);
    this.pos = end + 1;
    return this.src.slice(start + 1, end);
  }

  private doubleQuoted(): string {
    const start = this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) throw new ExpansionError('unterminated double quote', start);
      const ch = this.src[this.pos] as string;
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === this.escape) {
        const next = this.src[this.pos + 1];
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.pos += 2;
          continue;
        }
        out += ch;
        this.pos++;
        continue;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      out += ch;
      this.pos++;
    }
  }

  /** At a `$`: a variable, or a literal `$`. */
  private dollar(): string {
    const start = this.pos++;
    const next = this.src[this.pos];
    if (next === '{') return this.braced(start);
    if (next !== undefined && NAME_START.test(next)) return this.lookup(this.name()) ?? '';
    return '$';
  }

  /** The variable name at the cursor (possibly empty). */
  private name(): string {
    const start = this.pos;
    while (this.pos < this.src.length && NAME_CHAR.test(this.src[this.pos] as string)) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private braced(start: number): string {
    this.pos++; // {
    const name = this.name();
    if (name === '') throw new ExpansionError('bad substitution: missing variable name in ${}', start);
    if (this.pos >= this.src.length) throw new ExpansionError('missing } in variable substitution', start);
    if (this.src[this.pos] === '}') {
      this.pos++;
      return this.lookup(name) ?? '';
    }
    let op = this.src[this.pos] ?? '';
    if (op === ':') {
      op += this.src[this.pos + 1] ?? '';
      this.pos++;
    }
    this.pos++;
    if (!['-', '+', '?', ':-', ':+', ':?'].includes(op)) throw new ExpansionError(`unsupported modifier ${JSON.stringify(op)} in \${${name}}`, start);
    const word = this.wordUntilBrace(start);
    const value = this.lookup(name);
    const colon = op.startsWith(':');
    const set = colon ? value !== undefined && value !== '' : value !== undefined;
    switch (op.slice(-1)) {
      case '-':
        return set ? (value as string) : word;
      case '+':
        return set ? word : '';
      default:
        if (!set) throw new ExpansionError(`${name}: ${word || 'is not set'}`, start);
        return value as string;
    }
  }

  /** The word of a ${VAR:-word} modifier, itself expanded, up to the matching }. */
  private wordUntilBrace(start: number): string {
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) throw new ExpansionError('missing } in variable substitution', start);
      const ch = this.src[this.pos] as string;
      if (ch === '}') {
        this.pos++;
        return out;
      }
      out += this.token().map((p) => p.text).join('');
    }
  }
}

/** Expand and unquote `text` as one word. */
export function expandWord(text: string, lookup: Lookup, escape = '\\'): string {
  return new Lexer(text, lookup, escape).word();
}

/** Expand and unquote `text` into words (unquoted expansions split on whitespace, as BuildKit does). */
export function expandWords(text: string, lookup: Lookup, escape = '\\'): string[] {
  return new Lexer(text, lookup, escape).words(true);
}

/**
 * Split on unquoted whitespace without removing quotes or expanding, for
 * KEY=VALUE lists (ENV, LABEL, ARG) whose halves are expanded afterwards.
 */
export function splitRaw(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      word += ch;
      if (ch === escape && quote === '"' && i + 1 < text.length) word += text[++i];
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    word += ch;
    if (ch === escape && i + 1 < text.length) word += text[++i];
    else if (ch === '"' || ch === "'") quote = ch;
  }
  if (quote) throw new ExpansionError(`unterminated ${quote === '"' ? 'double' : 'single'} quote`, text.length);
  if (inWord) out.push(word);
  return out;
}
