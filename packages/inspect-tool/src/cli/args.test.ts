import { describe, expect, it } from 'vitest';
import { commandHelp, parseArgs, type CommandSpec } from './args.js';
import { COMMANDS } from './specs.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'demo command',
  positionals: [
    { name: 'ref', required: true, describe: 'a ref' },
    { name: 'path', required: false, describe: 'a path' },
  ],
  options: {
    long: { type: 'boolean', alias: 'l', describe: 'long' },
    depth: { type: 'number', describe: 'depth' },
    format: { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'format' },
    type: { type: 'string', repeatable: true, describe: 'types' },
    'tls-verify': { type: 'boolean', default: true, describe: 'tls' },
  },
};

describe('parseArgs', () => {
  it('parses flags, values, aliases, negation, repeats and --', () => {
    const parsed = parseArgs(spec, ['-l', '--depth=2', 'oci:x', '--type', 'a', '--type=b', '--tls-verify=false', '--', '-weird']);
    expect(parsed.positionals).toEqual(['oci:x', '-weird']);
    expect(parsed.options).toMatchObject({ long: true, depth: 2, format: 'text', type: ['a', 'b'], 'tls-verify': false });
    expect(parseArgs(spec, ['--no-tls-verify', 'r']).options['tls-verify']).toBe(false);
  });

  it('rejects what it does not know, with usage errors', () => {
    expect(() => parseArgs(spec, ['--nope', 'r'])).toThrow(/unknown option --nope/);
    expect(() => parseArgs(spec, [])).toThrow(/missing REF/);
    expect(() => parseArgs(spec, ['a', 'b', 'c'])).toThrow(/unexpected argument "c"/);
    expect(() => parseArgs(spec, ['--depth', 'x', 'r'])).toThrow(/needs a number/);
    expect(() => parseArgs(spec, ['--format', 'xml', 'r'])).toThrow(/must be one of text, json/);
    expect(() => parseArgs(spec, ['r', '--depth'])).toThrow(/needs a value/);
    expect(() => parseArgs(spec, ['--long=yes', 'r'])).toThrow(/is a flag/);
  });

  it('--help skips the positional checks, and every command has help', () => {
    expect(parseArgs(spec, ['--help']).options.help).toBe(true);
    for (const command of COMMANDS) expect(commandHelp(command)).toContain(`usage: oci-inspect ${command.name}`);
  });
});
