import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';

interface Rule {
  negate: boolean;
  regex: RegExp;
  pattern: string;
}

function globToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('!') || cls.startsWith('^')) cls = `^${cls.slice(1)}`;
        out += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (ch === '\\' && i + 1 < pattern.length) {
      out += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * .dockerignore / .containerignore rules as Docker applies them: patterns are
 * cleaned paths relative to the context, `*` and `?` stay within one path
 * component, `**` spans any number, a rule matching a directory covers all
 * below it, `!` re-includes, and the last matching rule wins.
 */
export class IgnoreRules {
  private readonly rules: Rule[];

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
  }

  static parse(text: string): IgnoreRules {
    return new IgnoreRules(text.split(/\r?\n/));
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Any `!` rules: then an excluded directory must still be walked. */
  get hasExceptions(): boolean {
    return this.rules.some((r) => r.negate);
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
