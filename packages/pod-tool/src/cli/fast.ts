import { COMMANDS, GLOBAL_OPTIONS, type CommandDef, type OptionDef } from './table.js';

/**
 * The start-up fast path. Loading yargs costs string-width's Unicode tables
 * and yargs renders (and caches) the command's help before every handler:
 * together more than Node's own start-up. A command line that is plainly
 * valid is parsed here with yargs-parser (the parser inside yargs) from the
 * same table; anything else (help, version, a doubtful flag, a usage error)
 * returns undefined and goes to the full yargs parser, which says why.
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
    const found = await tryCommand(def, args);
    if (found) return found;
  }
  return undefined;
}

async function tryCommand(def: CommandDef, args: string[]): Promise<FastCommand | undefined> {
  const options = { ...GLOBAL_OPTIONS, ...def.options };
  const { default: parse } = await import('yargs-parser');
  const config = parserConfig(options);
  const parsed = parse(args, {
    ...config,
    configuration: { 'greedy-arrays': false, 'populate--': true, 'camel-case-expansion': true, 'strip-aliased': false },
  });
  const positional = parsed._.map(String);
  if (positional.slice(0, def.path.length).join(' ') !== def.path.join(' ')) return undefined;
  if (!knownKeys(parsed, options)) return undefined;
  for (const [name, option] of Object.entries(options)) {
    if (option.choices && parsed[name] !== undefined && !option.choices.includes(String(parsed[name]))) return undefined;
    if (option.type === 'number' && parsed[name] !== undefined && !Number.isFinite(parsed[name])) return undefined;
    if (option.type === 'string' && !option.array && parsed[name] !== undefined && typeof parsed[name] !== 'string') return undefined;
  }
  const named = assignPositionals(def.args, positional.slice(def.path.length));
  if (!named) return undefined;
  const rest = ((parsed['--'] as unknown[] | undefined) ?? []).map(String);
  const argv: Record<string, unknown> = { ...parsed, ...named, _: [...def.path.slice(-1), ...rest], $0: 'oci-pod' };
  delete argv['--'];
  return { def, argv };
}

function parserConfig(options: Record<string, OptionDef>) {
  const config = { boolean: [] as string[], string: [] as string[], number: [] as string[], array: [] as string[], alias: {} as Record<string, string[]>, default: {} as Record<string, unknown> };
  for (const [name, option] of Object.entries(options)) {
    config[option.type].push(name);
    if (option.array) config.array.push(name);
    if (option.alias) config.alias[name] = [option.alias];
    if (option.default !== undefined) config.default[name] = option.default;
  }
  return config;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Strict mode: every key yargs-parser produced is an option, an alias or a camel-case form. */
function knownKeys(parsed: Record<string, unknown>, options: Record<string, OptionDef>): boolean {
  const allowed = new Set(['_', '--']);
  for (const [name, option] of Object.entries(options)) {
    allowed.add(name).add(camel(name));
    if (option.alias) allowed.add(option.alias).add(camel(option.alias));
  }
  return Object.keys(parsed).every((k) => allowed.has(k));
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
