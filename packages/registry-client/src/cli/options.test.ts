import { describe, expect, it } from 'vitest';
import type { Argv } from 'yargs';
import { copyCommand } from './commands/copy.js';
import { withExamples } from './options.js';

/** Stands in for the CLI fast path's recorder: any call it does not know throws. */
function strictRecorder(): { parser: Argv; calls: string[] } {
  const calls: string[] = [];
  const target = {
    options: () => parser,
    option: (name: string) => (calls.push(name), parser),
  };
  const parser = new Proxy(target, {
    get(object, key) {
      if (key in object) return object[key as keyof typeof object];
      throw new Error(`recorder does not know ${String(key)}`);
    },
  }) as unknown as Argv;
  return { parser, calls };
}

describe('withExamples', () => {
  it('adds examples on yargs and leaves a recorder alone, so copy stays on the fast path', () => {
    const seen: string[] = [];
    const yargsLike = { example: (command: string) => (seen.push(command), yargsLike) } as unknown as Argv;
    withExamples(yargsLike, [['a', 'first'], ['b', 'second']]);
    expect(seen).toEqual(['a', 'b']);

    const { parser, calls } = strictRecorder();
    const builder = copyCommand({ transports: async () => [] }).builder as (y: Argv) => Argv;
    expect(() => builder(parser)).not.toThrow();
    expect(calls).toContain('jobs');
  });
});
