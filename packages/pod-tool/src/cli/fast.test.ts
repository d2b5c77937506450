import parse from 'yargs-parser';
import { describe, expect, it } from 'vitest';
import { separateCommand } from './argv.js';
import { fastParse } from './fast.js';
import { GLOBAL_OPTIONS, type OptionDef } from './table.js';

const fast = (...args: string[]) => fastParse(separateCommand(args));

/** What yargs-parser (the parser inside yargs) makes of the same line, with the table's options. */
function byYargsParser(args: string[], options: Record<string, OptionDef>): Record<string, unknown> {
  const config = { boolean: [] as string[], string: [] as string[], number: [] as string[], array: [] as string[], alias: {} as Record<string, string[]>, default: {} as Record<string, unknown> };
  for (const [name, option] of Object.entries(options)) {
    config[option.type].push(name);
    if (option.array) config.array.push(name);
    if (option.alias) config.alias[name] = [option.alias];
    if (option.default !== undefined) config.default[name] = option.default;
  }
  const parsed = parse(args, { ...config, configuration: { 'greedy-arrays': false, 'populate--': true, 'camel-case-expansion': true, 'strip-aliased': false } });
  const { _: _positional, '--': _rest, ...flags } = parsed;
  return flags;
}

describe('fastParse', () => {
  it('parses valid command lines the way yargs does', async () => {
    const run = await fast('--runroot', '/r', 'run', '--rm', '-it', '-e', 'A=1', '-e', 'B=2', '-v', '/a:/b', '--memory=64m', 'img', 'sh', '-c', 'x');
    expect(run?.def.path).toEqual(['run']);
    expect(run?.argv).toMatchObject({ runroot: '/r', rm: true, interactive: true, tty: true, env: ['A=1', 'B=2'], volume: ['/a:/b'], memory: '64m', image: 'img', network: 'none', runtime: 'runc' });
    expect(run?.argv._).toEqual(['run', 'sh', '-c', 'x']);
    const pod = await fast('pod', 'rm', '-f', 'p1', 'p2');
    expect(pod?.def.path).toEqual(['pod', 'rm']);
    expect(pod?.argv).toMatchObject({ force: true, pods: ['p1', 'p2'] });
    expect((await fast('stop', '-t', '3', 'c'))?.argv).toMatchObject({ time: 3, containers: ['c'] });
  });

  it('gives the flags, aliases, camel-case forms and defaults yargs-parser gives', async () => {
    const lines = [
      ['--runroot', '/r', '--root=/s', 'run', '--rm', '-it', '-e', 'A=1', '--env=B=2', '--env-file', 'f', '-v', '/a:/b:ro', '--memory=64m', '--stop-timeout', '5', '--net', 'host', 'img', 'sh'],
      ['--storage-root', '/s', '--runtime', 'crun', 'run', '-d', '--name', 'web', '-p', '8080:80', '--network=bridge', '--cap-add', 'NET_ADMIN', '--read-only', '--rm=false', 'img'],
      ['run', '--rootfs', '-w', '/tmp', '-u', '1000:1000', '--entrypoint', '["/bin/sh","-c"]', '--ulimit', 'nofile=10:20', '--pids-limit', '5', '--cpus', '0.5', '--init', '--hostname', 'h', '/dir', 'true'],
      ['--debug', 'exec', '-ie', 'X=1', 'ctr', 'ls', '-l'],
      ['ps', '-a', '--format', 'json'],
      ['logs', '-f', '--tail', '10', 'c'],
      ['kill', '-s', 'SIGTERM', 'a', 'b'],
      ['pod', 'create', '--name', 'p', '-p', '80:80', '--network', 'bridge'],
      ['--cni-path', '/cni', 'rm', '-f', 'a'],
    ];
    for (const line of lines) {
      const found = await fast(...line);
      expect(found, line.join(' ')).toBeDefined();
      const { _, $0, ...flags } = found!.argv;
      const names = found!.def.args.split(' ').filter(Boolean).map((slot) => slot.slice(1, -1).replace('..', ''));
      for (const name of names) delete flags[name];
      const separated = separateCommand(line);
      const dashdash = separated.indexOf('--');
      expect(flags, line.join(' ')).toEqual(byYargsParser(dashdash === -1 ? separated : separated.slice(0, dashdash), { ...GLOBAL_OPTIONS, ...found!.def.options }));
    }
  });

  it('leaves help, unknown flags, bad choices, doubtful values and missing arguments to yargs', async () => {
    expect(await fast('run', '--help')).toBeUndefined();
    expect(await fast('run', '--frobnicate', 'img')).toBeUndefined();
    expect(await fast('ps', '--format', 'xml')).toBeUndefined();
    expect(await fast('logs')).toBeUndefined();
    expect(await fast('ps', 'extra')).toBeUndefined();
    expect(await fast('nosuchcommand')).toBeUndefined();
    expect(await fast('run', '--name', 'a', '--name', 'b', 'img')).toBeUndefined();
    expect(await fast('run', '--no-rm', 'img')).toBeUndefined();
    expect(await fast('run', '--rm=yes', 'img')).toBeUndefined();
    expect(await fast('run', '--stop-timeout', 'soon', 'img')).toBeUndefined();
    expect(await fast('run', '--name', '--rm', 'img')).toBeUndefined();
    expect(await fast('run', '-eA=1', 'img')).toBeUndefined();
    expect(await fast('run', '-', 'img')).toBeUndefined();
    expect(await fast('stop', '-t', '-1', 'c')).toBeUndefined();
    expect(await fast('run', '--rm', 'true', 'img')).toBeUndefined();
    expect(await fast('run', '-it', 'false', 'img')).toBeUndefined();
  });
});
