import { describe, expect, it } from 'vitest';
import { progressReporter } from './progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream };
}

const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('progressReporter', () => {
  it('is silent in a pipe and prints one summary line with plain', () => {
    const pipe = fakeStream(false);
    const quiet = progressReporter('auto', pipe.stream);
    quiet.onProgress({ digest: digest('a'), size: 10, transferred: 10, state: 'done' });
    quiet.finish();
    expect(pipe.chunks).toEqual([]);
    // Nothing to show: the copy is run without progress events at all.
    expect(quiet.active).toBe(false);
    expect(progressReporter('none', fakeStream(true).stream).active).toBe(false);
    expect(progressReporter('auto', fakeStream(true).stream).active).toBe(true);
    const log = fakeStream(false);
    const plain = progressReporter('plain', log.stream);
    plain.onProgress({ digest: digest('a'), size: 1048576, transferred: 0, state: 'started' });
    plain.onProgress({ digest: digest('a'), size: 1048576, transferred: 1048576, state: 'done' });
    plain.onProgress({ digest: digest('b'), size: 5, transferred: 5, state: 'skipped' });
    plain.onProgress({ digest: digest('c'), size: 5, transferred: 5, state: 'mounted' });
    plain.finish();
    expect(plain.active).toBe(true);
    expect(log.chunks).toHaveLength(1);
    expect(log.chunks[0]).toMatch(/^copied 1 blobs \(1\.0 MiB\) in \d+\.\ds at [\d.]+ MiB\/s; 1 already there, 1 mounted\n$/);
  });

  it('draws one line per blob in flight on a TTY', () => {
    const tty = fakeStream(true);
    const live = progressReporter('auto', tty.stream);
    live.onProgress({ digest: digest('a'), size: 2097152, transferred: 0, state: 'started' });
    live.onProgress({ digest: digest('b'), size: 2097152, transferred: 0, state: 'started' });
    live.onProgress({ digest: digest('b'), size: 2097152, transferred: 1048576, state: 'progress' });
    live.onProgress({ digest: digest('a'), size: 2097152, transferred: 2097152, state: 'done' });
    const screen = tty.chunks.join('');
    expect(screen).toContain('sha256:bbbbbbbbbbbb');
    expect(screen).toContain('1/2 blobs sent');
    live.finish();
    expect(tty.chunks[tty.chunks.length - 1]).toMatch(/^copied 2 blobs/);
  });
});
