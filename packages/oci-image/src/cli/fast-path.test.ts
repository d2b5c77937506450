import type { Argv } from 'yargs';
import { describe, expect, it } from 'vitest';
import { plainCommand } from './fast-path.js';

const handled: Array<Record<string, unknown>> = [];
const define = (parser: Argv) =>
  parser
    .option('root', { type: 'string', alias: 'storage-root' })
    .command({
      command: 'copy <source> <destination>',
      describe: 'copy',
      builder: (y) => y.options({ all: { type: 'boolean', default: false }, jobs: { type: 'number', default: 4 }, format: { choices: ['text', 'json'], default: 'text' } }),
      handler: (args) => void handled.push(args),
    })
    .command({ command: 'tag <source> <tags..>', describe: 'tag', handler: (args) => void handled.push(args) })
    .command({
      command: 'config',
      describe: 'config',
      builder: (y) =>
        y
          .command({ command: 'set <reference>', describe: 'set', builder: (z) => z.options({ env: { type: 'string', array: true } }), handler: (a) => void handled.push(a) })
          .command({ command: '$0 <reference>', describe: 'show', handler: (a) => void handled.push(a) }),
      handler: () => {},
    })
    .command({ command: 'odd <x>', describe: 'odd', builder: (y) => y.options({ n: { type: 'number', coerce: Number } }), handler: () => {} })
    .command({
      command: 'mount <container> [paths..]',
      describe: 'mount',
      builder: (y) =>
        y
          .positional('container', { type: 'string', demandOption: true })
          .positional('paths', { type: 'string', array: true })
          .option('label', { type: 'string', demandOption: true })
          .example('mount c --label x', 'help text only'),
      handler: (a) => void handled.push(a),
    });

const globals = { debug: { type: 'boolean' as const } };

describe('the CLI fast path', () => {
  it('runs plainly valid lines with the same arguments yargs gives', async () => {
    const copy = await plainCommand(['copy', '--jobs', '2', '--all', 'a', 'b', '--format=json', '--storage-root', '/s'], define, globals);
    expect(copy?.args).toMatchObject({ source: 'a', destination: 'b', jobs: 2, all: true, format: 'json', root: '/s', 'storage-root': '/s' });
    const tag = await plainCommand(['tag', 'src', 'x', 'y'], define, globals);
    expect(tag?.args).toMatchObject({ source: 'src', tags: ['x', 'y'] });
    const set = await plainCommand(['config', 'set', 'ref', '--env', 'A=1', '--env', 'B=2', '--debug'], define, globals);
    expect(set?.args).toMatchObject({ reference: 'ref', env: ['A=1', 'B=2'], debug: true });
    const before = await plainCommand(['--root', '/s', 'tag', 'src', 'x'], define, globals);
    expect(before?.args).toMatchObject({ root: '/s', source: 'src', tags: ['x'] });
    const show = await plainCommand(['config', 'ref'], define, globals);
    expect(show?.args).toMatchObject({ reference: 'ref' });
    const mount = await plainCommand(['mount', 'c', 'p', '--label', 'x'], define, globals);
    expect(mount?.args).toMatchObject({ container: 'c', paths: ['p'], label: 'x' });
    // Positionals stay text, as yargs keeps them: a tag 1.0 is not the number 1.
    const numeric = await plainCommand(['tag', 'src', '1.0', '2.10', '0x1f'], define, globals);
    expect(numeric?.args).toMatchObject({ source: 'src', tags: ['1.0', '2.10', '0x1f'] });
    await copy?.handler(copy.args);
    expect(handled).toHaveLength(1);
  });

  it('leaves to yargs whatever is not plainly valid', async () => {
    for (const line of [
      ['copy', 'a'],
      ['copy', 'a', 'b', 'c'],
      ['copy', '--unknown', 'a', 'b'],
      ['copy', '--format', 'yaml', 'a', 'b'],
      ['copy', 'a', 'b', '--help'],
      ['--version'],
      ['nosuch'],
      ['tag', 'src'],
      ['copy', '--', 'a', 'b'],
      ['odd', 'x'],
      ['mount', 'c'],
      ['mount', '--label', 'x'],
      [],
    ]) {
      expect(await plainCommand(line, define, globals), line.join(' ')).toBeUndefined();
    }
  });
});
