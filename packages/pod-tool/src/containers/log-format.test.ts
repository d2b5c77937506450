import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { entryText, parseLogLine, pipeToLog } from './log-format.js';

describe('k8s-file logs', () => {
  it('writes full and partial lines and replays the same bytes', async () => {
    const source = new PassThrough();
    const log = new PassThrough();
    let written = '';
    log.on('data', (d: Buffer) => (written += d.toString()));
    const done = pipeToLog(source, 'stderr', log);
    source.write('one\ntw');
    source.end('o\r\nlast');
    await done;
    const entries = written.trim().split('\n').map(parseLogLine);
    expect(entries.map((e) => [e?.stream, e?.partial, e?.text])).toEqual([['stderr', false, 'one'], ['stderr', false, 'two\r'], ['stderr', true, 'last']]);
    expect(entries.map((e) => entryText(e!)).join('')).toBe('one\ntwo\r\nlast');
    expect(parseLogLine('garbage')).toBeUndefined();
  });
});
