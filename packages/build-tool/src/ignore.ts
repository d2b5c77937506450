import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { globToRegex } from './glob.js';

interface Rule {
  negate: boolean;
  regex: RegExp;
  pattern: string;
}

/**
 * .dockerignore / .containerignore rules as Docker applies them: patterns are
 * cleaned paths relative to the context, `*` and `?` stay within one path
 * component, `**` spans any number, a rule matching a directory covers all
 * below it, `!` re-includes, and the last matching rule wins.
 */
export class IgnoreRules {
  private readonly rules: Rule[];
  /** Any `!` rules: then an excluded directory must still be walked. */
  readonly hasExceptions: boolean;

  constructor(patterns: readonly string[]) {
    this.rules = [];
    for (const line of patterns) {
      let text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      const negate = text.startsWith('!');
      if (negate) text = text.slice(1).trim();
      text = posix.normalize(text).replace(/^\/+/, '').replace(/\/+$/, '');
      if (text === '.' || text === '') continue;
      this.rules.push({ negate, regex: globToRegex(text), pattern: text });
    }
    this.hasExceptions = this.rules.some((r) => r.negate);
  }

  static parse(text: string): IgnoreRules {
    return new IgnoreRules(text.split(/\r?\n/));
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }


  /** Is this context-relative path (no leading ./ or /) excluded? */
  ignores(path: string): boolean {
    const clean = posix.normalize(path).replace(/^\/+/, '');
    const parents: string[] = [];
    for (let i = clean.indexOf('/'); i >= 0; i = clean.indexOf('/', i + 1)) parents.push(clean.slice(0, i));
    let excluded = false;
    for (const rule of this.rules) {
      const hit = rule.regex.test(clean) || parents.some((p) => rule.regex.test(p));
      if (hit) excluded = !rule.negate;
    }
    return excluded;
  }
}

/** The ignore file of a context: .containerignore wins over .dockerignore; none means no rules. */
export async function readIgnoreFile(contextDir: string, explicit?: string): Promise<IgnoreRules> {
  const candidates = explicit ? [explicit] : [join(contextDir, '.containerignore'), join(contextDir, '.dockerignore')];
  for (const file of candidates) {
    try {
      return IgnoreRules.parse(await readFile(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || explicit) throw error;
    }
  }
  return new IgnoreRules([]);
}
