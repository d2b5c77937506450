import type { Argv, CommandModule, Options } from 'yargs';

/**
 * yargs costs about 50 ms to load and evaluate, as much as Node's own
 * start-up. A plainly valid command line does not need it: the same command
 * definitions are read by a recorder standing in for yargs, the line is parsed
 * with yargs-parser (the parser yargs itself uses) and the handler runs.
 * Anything the recorder does not understand, and every line that is not
 * plainly valid (help, version, unknown flags, missing or extra arguments,
 * bad choices, `--`), goes to yargs, so help and usage errors are yargs'.
 */

class NotPlain extends Error {}

interface Recorded {
  commands: CommandModule<any, any>[];
  options: Record<string, Options>;
  positionals: Record<string, Options>;
}

function recorder(): { argv: Argv; recorded: Recorded } {
  const recorded: Recorded = { commands: [], options: {}, positionals: {} };
  const target = {
    command(module: unknown) {
      if (typeof module !== 'object' || module === null) throw new NotPlain();
      recorded.commands.push(module as CommandModule);
      return proxy;
    },
    options(options: Record<string, Options>) {
      Object.assign(recorded.options, options);
      return proxy;
    },
    option(name: string, option: Options) {
      recorded.options[name] = option;
      return proxy;
    },
    positional(name: string, option: Options) {
      recorded.positionals[name] = option;
      return proxy;
    },
    // Help text only: help always goes to yargs.
    example: () => proxy,
    usage: () => proxy,
    epilog: () => proxy,
    epilogue: () => proxy,
  };
  const proxy: Argv = new Proxy(target, {
    get(object, key) {
      if (key in object) return object[key as keyof typeof object];
      throw new NotPlain();
    },
  }) as unknown as Argv;
  return { argv: proxy, recorded };
}

interface PositionalSpec {
  name: string;
  required: boolean;
  variadic: boolean;
}

function commandWords(module: CommandModule<any, any>): { name: string; positionals: PositionalSpec[] } {
  const text = Array.isArray(module.command) ? module.command[0] : module.command;
  if (typeof text !== 'string') throw new NotPlain();
  const [name, ...rest] = text.trim().split(/\s+/) as [string, ...string[]];
  const positionals = rest.map((word) => {
    const match = /^([<[])([\w-]+)(\.\.)?[>\]]$/.exec(word);
    if (!match) throw new NotPlain();
    return { name: match[2] as string, required: match[1] === '<', variadic: match[3] === '..' };
  });
  return { name, positionals };
}

function find(commands: CommandModule<any, any>[], word: string | undefined) {
  return commands.find((c) => commandWords(c).name === word) ?? commands.find((c) => commandWords(c).name === '$0');
}

/**
 * The words of a line that are not flags, nor the values of the CLI's own
 * flags given as `--root DIR` before the command (`DIR` is not a command).
 */
function commandLineWords(argv: string[], options: Record<string, Options>): string[] {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type === 'boolean') continue;
    takesValue.add(name);
    for (const alias of o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias]) takesValue.add(alias);
  }
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-')) words.push(arg);
    else if (!arg.includes('=') && takesValue.has(arg.replace(/^--?/, ''))) i++;
  }
  return words;
}

type Handler = (args: Record<string, unknown>) => unknown;

/** Option settings the fast path honours exactly like yargs; any other (coerce, implies...) goes to yargs. */
const PLAIN_OPTION_KEYS = new Set(['type', 'describe', 'description', 'desc', 'default', 'alias', 'choices', 'array', 'global', 'hidden', 'demandOption']);

/** The handler and its arguments when the line is plainly valid; undefined sends it to yargs. */
export async function plainCommand(
  argv: string[],
  define: (parser: Argv) => Argv,
  globals: Record<string, Options>,
): Promise<{ handler: Handler; args: Record<string, unknown> } | undefined> {
  if (argv.some((a) => a === '--' || a === '-h' || a === '--help' || a === '--version')) return undefined;
  try {
    const root = recorder();
    define(root.argv);
    let commands = root.recorded.commands;
    // Options given above a command (the CLI's own, a parent command's) apply below it too.
    let inherited: Record<string, Options> = { ...globals, ...root.recorded.options };
    let words = commandLineWords(argv, inherited);
    let module = find(commands, words[0]);
    let consumed = 0;
    // Descend into nested commands (e.g. `config set`).
    for (;;) {
      if (!module) return undefined;
      const level = recorder();
      if (typeof module.builder === 'function') module.builder(level.argv);
      else if (module.builder) level.recorded.options = { ...(module.builder as Record<string, Options>) };
      if (commandWords(module).name !== '$0') consumed++;
      if (level.recorded.commands.length === 0) return await parseFor(module, level.recorded, argv, consumed, inherited);
      inherited = { ...inherited, ...level.recorded.options };
      commands = level.recorded.commands;
      words = words.slice(1);
      module = find(commands, words[0]);
    }
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

async function parseFor(
  module: CommandModule<any, any>,
  recorded: Recorded,
  argv: string[],
  consumedWords: number,
  globals: Record<string, Options>,
): Promise<{ handler: Handler; args: Record<string, unknown> } | undefined> {
  const options: Record<string, Options> = { ...globals, ...recorded.options, ...recorded.positionals };
  for (const o of Object.values(options)) if (Object.keys(o).some((k) => !PLAIN_OPTION_KEYS.has(k))) return undefined;
  const config = { boolean: [] as string[], string: [] as string[], number: [] as string[], array: [] as string[], alias: {} as Record<string, string[]>, default: {} as Record<string, unknown> };
  for (const [name, o] of Object.entries(options)) {
    if (o.type === 'boolean') config.boolean.push(name);
    else if (o.type === 'number') config.number.push(name);
    else config.string.push(name);
    if (o.array) config.array.push(name);
    if (o.alias) config.alias[name] = Array.isArray(o.alias) ? o.alias : [o.alias];
    if (o.default !== undefined) config.default[name] = o.default;
  }
  const { default: parse } = await import('yargs-parser');
  const parsed = parse(argv, { ...config, configuration: { 'strip-aliased': false, 'parse-positional-numbers': false } }) as Record<string, unknown> & { _: (string | number)[] };
  const known = new Set(['_', ...Object.keys(options), ...Object.values(config.alias).flat()]);
  for (const key of Object.keys(parsed)) {
    const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (!known.has(key) && !known.has(kebab)) return undefined; // unknown flag: strict yargs explains it
  }
  for (const [name, o] of Object.entries(options)) {
    const value = parsed[name];
    if (o.choices && value !== undefined && !(Array.isArray(value) ? value : [value]).every((v) => (o.choices as unknown[]).includes(v))) return undefined;
    if (o.type === 'number' && value !== undefined && Number.isNaN(value)) return undefined;
    if (o.type === 'string' && !o.array && Array.isArray(value)) return undefined;
  }
  const rest = parsed._.slice(consumedWords).map(String);
  const { positionals } = commandWords(module);
  const args: Record<string, unknown> = { ...parsed, _: parsed._.slice(0, consumedWords), $0: '' };
  for (const [i, spec] of positionals.entries()) {
    if (spec.variadic) {
      const values = rest.slice(i);
      if (spec.required && values.length === 0) return undefined;
      args[spec.name] = values;
      rest.length = i;
      break;
    }
    if (rest[i] === undefined) {
      if (spec.required) return undefined;
      continue;
    }
    args[spec.name] = rest[i];
  }
  if (rest.length > positionals.length) return undefined; // extra arguments: strict yargs explains them
  // A demanded option or positional that is missing: yargs words the error.
  for (const [name, o] of Object.entries(options)) {
    const value = args[name];
    if (o.demandOption && (value === undefined || (Array.isArray(value) && value.length === 0))) return undefined;
  }
  if (typeof module.handler !== 'function') return undefined;
  return { handler: module.handler as Handler, args };
}
