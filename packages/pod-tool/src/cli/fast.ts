import { COMMANDS, GLOBAL_OPTIONS, type CommandDef, type OptionDef } from './table.js';

/**
 * The start-up fast path. Loading yargs costs string-width's Unicode tables
 * and yargs renders (and caches) the command's help before every handler:
 * together more than Node's own start-up; even yargs-parser alone, with its
 * alias expansion over forty options, costs more than the rest of argument
 * handling. A command line that is plainly valid is parsed here, from the
 * same table, into the argv yargs would give (names, aliases, camel-case
 * forms, defaults); anything else (help, version, an unknown or repeated flag,
 * a doubtful value, a usage error) returns undefined and goes to the full
 * yargs parser, which says why.
 */
export interface FastCommand {
  def: CommandDef;
  argv: Record<string, unknown>;
}

export async function fastParse(args: string[]): Promise<FastCommand | undefined> {
  const dashdash = args.indexOf('--');
  const flags = dashdash === -1 ? args : args.slice(0, dashdash);
  if (flags.some((a) => a === '--help' || a === '-h' || a === '--version' || a === 'help')) return undefined;
  const words = flags.filter((a) => !a.startsWith('-'));
  const candidates = COMMANDS.filter((c) => c.path.every((w) => words.includes(w))).sort((a, b) => b.path.length - a.path.length);
  for (const def of candidates) {
    const found = tryCommand(def, args);
    if (found) return found;
  }
  return undefined;
}

function tryCommand(def: CommandDef, args: string[]): FastCommand | undefined {
  const options = { ...GLOBAL_OPTIONS, ...def.options };
  const parsed = parseFlags(args, options);
  if (!parsed) return undefined;
  const positional = parsed.positional;
  if (positional.slice(0, def.path.length).join(' ') !== def.path.join(' ')) return undefined;
  for (const [name, option] of Object.entries(options)) {
    if (option.choices && parsed.values[name] !== undefined && !option.choices.includes(String(parsed.values[name]))) return undefined;
  }
  const named = assignPositionals(def.args, positional.slice(def.path.length));
  if (!named) return undefined;
  const argv: Record<string, unknown> = { ...expand(parsed.values, options), ...named, _: [...def.path.slice(-1), ...parsed.rest], $0: 'oci-pod' };
  return { def, argv };
}

interface ParsedFlags {
  values: Record<string, unknown>;
  positional: string[];
  /** The words after `--`. */
  rest: string[];
}

/**
 * Flags by the table, strictly: `--name VALUE`, `--name=VALUE`, `--flag`,
 * `--flag=true|false`, `-abc` (booleans, a value flag last takes the next
 * word). Undefined for anything this does not handle exactly as yargs does.
 */
function parseFlags(args: string[], options: Record<string, OptionDef>): ParsedFlags | undefined {
  const byName = new Map<string, string>();
  for (const [name, option] of Object.entries(options)) {
    byName.set(name, name);
    if (option.alias) byName.set(option.alias, name);
  }
  const values: Record<string, unknown> = {};
  const positional: string[] = [];
  const set = (name: string, raw: string | undefined): boolean => {
    const option = options[name]!;
    let value: unknown;
    if (option.type === 'boolean') {
      if (raw === undefined) value = true;
      else if (raw === 'true' || raw === 'false') value = raw === 'true';
      else return false;
    } else {
      if (raw === undefined || raw === '') return false;
      if (option.type === 'number') {
        if (!/^\d+(\.\d+)?$/.test(raw)) return false;
        value = Number(raw);
      } else value = raw;
    }
    if (option.array) {
      values[name] = [...((values[name] as unknown[] | undefined) ?? []), value];
      return true;
    }
    if (name in values) return false; // given twice: yargs makes an array of it
    values[name] = value;
    return true;
  };
  // A flag's value: the next word, unless it looks like a flag (yargs would not take it).
  const valueAt = (i: number): string | undefined => {
    const next = args[i];
    return next === undefined || next.startsWith('-') ? undefined : next;
  };
  // yargs takes a `true` or `false` after a boolean flag as its value: left to yargs.
  const boolValueFollows = (i: number): boolean => args[i] === 'true' || args[i] === 'false';
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') return { values, positional, rest: args.slice(i + 1) };
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = byName.get(eq === -1 ? token.slice(2) : token.slice(2, eq));
      if (!name) return undefined;
      if (eq !== -1) {
        if (!set(name, token.slice(eq + 1))) return undefined;
      } else if (options[name]!.type === 'boolean') {
        if (boolValueFollows(i + 1) || !set(name, undefined)) return undefined;
      } else {
        if (!set(name, valueAt(i + 1))) return undefined;
        i++;
      }
      continue;
    }
    if (token.startsWith('-')) {
      const letters = [...token.slice(1)];
      if (letters.length === 0) return undefined;
      for (const [k, letter] of letters.entries()) {
        const name = byName.get(letter);
        if (!name) return undefined;
        if (options[name]!.type === 'boolean') {
          if ((k === letters.length - 1 && boolValueFollows(i + 1)) || !set(name, undefined)) return undefined;
        } else {
          // Only the last letter may take a value (-e A, -it, -ie A); -eA is left to yargs.
          if (k !== letters.length - 1 || !set(name, valueAt(i + 1))) return undefined;
          i++;
        }
      }
      continue;
    }
    positional.push(token);
  }
  return { values, positional, rest: [] };
}

/** yargs' argv keys for the values and defaults: each name, its alias and their camel-case forms. */
function expand(values: Record<string, unknown>, options: Record<string, OptionDef>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(options)) {
    const value = name in values ? values[name] : option.default;
    if (value === undefined) continue;
    for (const key of [name, camel(name), ...(option.alias ? [option.alias, camel(option.alias)] : [])]) out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** '<image> [command..]' -> { image, command }; undefined when required ones are missing or extras are left. */
function assignPositionals(spec: string, values: string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const slots = spec.split(' ').filter(Boolean);
  let i = 0;
  for (const slot of slots) {
    const required = slot.startsWith('<');
    const variadic = slot.includes('..');
    const name = slot.slice(1, -1).replace('..', '');
    if (variadic) {
      const taken = values.slice(i);
      if (required && taken.length === 0) return undefined;
      out[name] = taken;
      i = values.length;
    } else {
      if (i >= values.length) {
        if (required) return undefined;
        continue;
      }
      out[name] = values[i++];
    }
  }
  return i === values.length ? out : undefined;
}
