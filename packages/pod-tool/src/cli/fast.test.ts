import { describe, expect, it } from 'vitest';
import { separateCommand } from './argv.js';
import { fastParse } from './fast.js';

const parse = (...args: string[]) => fastParse(separateCommand(args));

describe('fastParse', () => {
  it('parses valid command lines the way yargs does', async () => {
    const run = await parse('--runroot', '/r', 'run', '--rm', '-it', '-e', 'A=1', '-e', 'B=2', '-v', '/a:/b', '--memory=64m', 'img', 'sh', '-c', 'x');
    expect(run?.def.path).toEqual(['run']);
    expect(run?.argv).toMatchObject({ runroot: '/r', rm: true, interactive: true, tty: true, env: ['A=1', 'B=2'], volume: ['/a:/b'], memory: '64m', image: 'img', network: 'none', runtime: 'runc' });
    expect(run?.argv._).toEqual(['run', 'sh', '-c', 'x']);
    const pod = await parse('pod', 'rm', '-f', 'p1', 'p2');
    expect(pod?.def.path).toEqual(['pod', 'rm']);
    expect(pod?.argv).toMatchObject({ force: true, pods: ['p1', 'p2'] });
    expect((await parse('stop', '-t', '3', 'c'))?.argv).toMatchObject({ time: 3, containers: ['c'] });
  });

  it('leaves help, unknown flags, bad choices and missing arguments to yargs', async () => {
    expect(await parse('run', '--help')).toBeUndefined();
    expect(await parse('run', '--frobnicate', 'img')).toBeUndefined();
    expect(await parse('ps', '--format', 'xml')).toBeUndefined();
    expect(await parse('logs')).toBeUndefined();
    expect(await parse('ps', 'extra')).toBeUndefined();
    expect(await parse('nosuchcommand')).toBeUndefined();
    expect(await parse('run', '--name', 'a', '--name', 'b', 'img')).toBeUndefined();
  });
});
