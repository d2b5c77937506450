import { UsageError } from '@ocikit/oci-image/cli';

/**
 * A small declarative argument parser. yargs costs ~70 ms to load on this
 * class of machine, more than the whole start-up budget of a remote
 * `inspect`, so this CLI parses its few flags itself (same habits: --flag,
 * --flag=value, --no-flag, -x, `--` ends options).
 */
export interface OptionSpec {
  type: 'boolean' | 'string' | 'number';
  alias?: string;
  describe: string;
  /** Collect every occurrence into an array. */
  repeatable?: boolean;
  choices?: readonly string[];
  default?: string | number | boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  positionals: ReadonlyArray<{ name: string; required: boolean; describe: string }>;
  options: Readonly<Record<string, OptionSpec>>;
  examples?: readonly string[];
}

export type ParsedOptions = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedArgs {
  positionals: string[];
  options: ParsedOptions;
}

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  debug: { type: 'boolean', describe: 'print stack traces and debug logs' },
  help: { type: 'boolean', alias: 'h', describe: 'show help' },
};

function findOption(specs: Readonly<Record<string, OptionSpec>>, key: string): [string, OptionSpec] | undefined {
  if (specs[key]) return [key, specs[key]];
  for (const [name, spec] of Object.entries(specs)) if (spec.alias === key) return [name, spec];
  return undefined;
}

function convert(name: string, spec: OptionSpec, raw: string): string | number {
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')} (got ${JSON.stringify(raw)})`);
  }
  if (spec.type !== 'number') return raw;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} needs a number (got ${JSON.stringify(raw)})`);
  return value;
}

export function parseArgs(command: CommandSpec, argv: readonly string[]): ParsedArgs {
  const specs = { ...GLOBAL_OPTIONS, ...command.options };
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  for (const [name, spec] of Object.entries(specs)) if (spec.default !== undefined) options[name] = spec.default;
  const set = (name: string, spec: OptionSpec, value: string | number | boolean) => {
    if (spec.repeatable) options[name] = [...((options[name] as string[] | undefined) ?? []), String(value)];
    else options[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const body = arg.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    let key = eq === -1 ? body : body.slice(0, eq);
    let inline = eq === -1 ? undefined : body.slice(eq + 1);
    let negated = false;
    let found = findOption(specs, key);
    if (!found && long && key.startsWith('no-')) {
      found = findOption(specs, key.slice(3));
      negated = found?.[1].type === 'boolean';
      if (!negated) found = undefined;
    }
    if (!found) throw new UsageError(`unknown option ${long ? '--' : '-'}${key}`, `see oci-inspect ${command.name} --help`);
    const [name, spec] = found;
    key = name;
    if (spec.type === 'boolean') {
      if (inline !== undefined && !['true', 'false'].includes(inline)) throw new UsageError(`--${name} is a flag: use --${name} or --${name}=false`);
      set(name, spec, negated ? false : inline !== 'false');
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      inline = argv[++i] as string;
    }
    set(name, spec, convert(name, spec, inline));
  }
  if (options.help) return { positionals, options };
  const required = command.positionals.filter((p) => p.required).length;
  if (positionals.length < required) {
    const missing = command.positionals.slice(positionals.length).filter((p) => p.required).map((p) => p.name.toUpperCase());
    throw new UsageError(`${command.name}: missing ${missing.join(' and ')}`, `usage: ${usageLine(command)}`);
  }
  if (positionals.length > command.positionals.length) {
    throw new UsageError(`${command.name}: unexpected argument ${JSON.stringify(positionals[command.positionals.length])}`, `usage: ${usageLine(command)}`);
  }
  return { positionals, options };
}

export function usageLine(command: CommandSpec): string {
  const args = command.positionals.map((p) => (p.required ? p.name.toUpperCase() : `[${p.name.toUpperCase()}]`));
  return ['oci-inspect', command.name, '[options]', ...args].join(' ');
}

function optionLines(specs: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.alias ? `-${spec.alias}, ` : '    '}--${name}${spec.type === 'boolean' ? '' : ` <${spec.type === 'number' ? 'n' : 'value'}>`}`;
    const extra = spec.choices ? ` [${spec.choices.join('|')}]` : '';
    return `  ${flag.padEnd(30)} ${spec.describe}${extra}${spec.repeatable ? ' (repeatable)' : ''}`;
  });
}

export function commandHelp(command: CommandSpec): string {
  const lines = [`usage: ${usageLine(command)}`, '', command.summary, ''];
  if (command.positionals.length) {
    lines.push('arguments:', ...command.positionals.map((p) => `  ${p.name.toUpperCase().padEnd(30)} ${p.describe}`), '');
  }
  lines.push('options:', ...optionLines({ ...command.options, ...GLOBAL_OPTIONS }));
  if (command.examples?.length) lines.push('', 'examples:', ...command.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

export function programHelp(commands: readonly CommandSpec[]): string {
  const lines = [
    'usage: oci-inspect COMMAND [options] ARGS',
    '',
    'Look inside any image without pulling it whole.',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    'References: oci:DIR[:REF], oci-archive:FILE[:REF], dir:DIR, docker://HOST/REPO[:TAG][@DIGEST], storage:NAME',
    'Run `oci-inspect COMMAND --help` for the options of a command.',
  ];
  return `${lines.join('\n')}\n`;
}
