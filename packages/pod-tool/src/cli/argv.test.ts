import { describe, expect, it } from 'vitest';
import { separateCommand } from './argv.js';

describe('separateCommand', () => {
  it('ends flag parsing after the image of run and the container of exec', () => {
    expect(separateCommand(['run', '--rm', '-e', 'A=1', 'img', 'sh', '-c', 'x'])).toEqual(['run', '--rm', '-e', 'A=1', 'img', '--', 'sh', '-c', 'x']);
    expect(separateCommand(['--runroot', '/r', 'run', '-it', '-p8080:80', 'img', 'ls', '-l'])).toEqual(['--runroot', '/r', 'run', '-it', '-p8080:80', 'img', '--', 'ls', '-l']);
    expect(separateCommand(['exec', '-e', 'X=1', 'c1', 'sh', '-c', 'echo'])).toEqual(['exec', '-e', 'X=1', 'c1', '--', 'sh', '-c', 'echo']);
    expect(separateCommand(['run', '--name=x', '-d', 'img'])).toEqual(['run', '--name=x', '-d', 'img', '--']);
  });

  it('leaves other commands and explicit -- alone', () => {
    expect(separateCommand(['ps', '-a'])).toEqual(['ps', '-a']);
    expect(separateCommand(['run', 'img', '--', 'x'])).toEqual(['run', 'img', '--', 'x']);
  });
});
