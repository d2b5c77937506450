import { open } from 'node:fs/promises';
import type { PodContext } from '../context.js';
import { entryText, parseLogLine, type LogEntry } from './log-format.js';
import { containerState } from './lifecycle.js';
import type { ContainerRecord } from './records.js';

export interface LogsOptions {
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  signal?: AbortSignal;
  /** Receives each entry's original bytes, in order. */
  onEntry: (entry: LogEntry, text: string) => void;
}

/** Replay a container's log; with follow, keep reading until the container ends. */
export async function readLogs(context: PodContext, record: ContainerRecord, options: LogsOptions): Promise<void> {
  const handle = await open(context.paths.log(record.id), 'r').catch(() => undefined);
  if (!handle) return;
  try {
    let position = 0;
    let pending = '';
    let first = true;
    for (;;) {
      const { buffer, bytesRead } = await readChunk(handle, position);
      position += bytesRead;
      pending += buffer.toString('utf8', 0, bytesRead);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      let entries = lines.map(parseLogLine).filter((e): e is LogEntry => e !== undefined);
      if (first && options.tail !== undefined) entries = options.tail === 0 ? [] : entries.slice(-options.tail);
      first = false;
      for (const entry of entries) options.onEntry(entry, entryText(entry));
      if (bytesRead > 0) continue;
      if (!options.follow || options.signal?.aborted) return;
      const state = await containerState(context, record);
      if (state.status !== 'running' && state.status !== 'paused') {
        // One more read catches what was written just before the end.
        const last = await readChunk(handle, position);
        if (last.bytesRead === 0) return;
        continue;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await handle.close();
  }
}

async function readChunk(handle: Awaited<ReturnType<typeof open>>, position: number) {
  const buffer = Buffer.alloc(64 * 1024);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
  return { buffer, bytesRead };
}
