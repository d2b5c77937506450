import type { Readable, Writable } from 'node:stream';

/**
 * Container logs in the k8s-file format conmon writes: one line per output
 * line, `<RFC 3339 time> <stdout|stderr> <F|P> <text>`; P marks a partial
 * line (no newline followed), so the bytes can be replayed exactly.
 */
export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  time: string;
  stream: LogStream;
  partial: boolean;
  text: string;
}

/** Copy a stream into the log, line by line, tagged with its name. */
export function pipeToLog(source: Readable, stream: LogStream, log: Writable): Promise<void> {
  let pending = '';
  return new Promise((resolve) => {
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        log.write(`${new Date().toISOString()} ${stream} F ${pending.slice(0, nl)}\n`);
        pending = pending.slice(nl + 1);
      }
    });
    source.once('close', () => {
      if (pending) log.write(`${new Date().toISOString()} ${stream} P ${pending}\n`);
      resolve();
    });
  });
}

export function parseLogLine(line: string): LogEntry | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) ?([\s\S]*)$/.exec(line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as LogStream, partial: m[3] === 'P', text: m[4]! };
}

/** The original bytes of one entry. */
export function entryText(entry: LogEntry): string {
  return entry.partial ? entry.text : `${entry.text}\n`;
}
