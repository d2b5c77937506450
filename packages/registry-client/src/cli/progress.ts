import type { CopyProgress } from '@ocikit/oci-image';

export type ProgressMode = 'auto' | 'plain' | 'none';

interface BlobState {
  size: number;
  done: number;
  started: number;
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/**
 * Progress on stderr: on a TTY (auto) one line per blob in flight with bytes
 * and rate, redrawn in place; one summary line for logs (plain); nothing in
 * pipes (auto without a TTY) or with none.
 */
export function progressReporter(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr) {
  const live = mode === 'auto' && stream.isTTY === true;
  const started = Date.now();
  const blobs = new Map<string, BlobState>();
  let mounted = 0;
  let skipped = 0;
  let lastDraw = 0;
  let drawn = 0;
  const rate = (bytes: number, since: number) => `${mib(bytes / Math.max(0.001, (Date.now() - since) / 1000))} MiB/s`;
  const draw = () => {
    const active = [...blobs.entries()].filter(([, b]) => b.done < b.size);
    const lines = active.map(([digest, b]) => `${digest.slice(0, 19)}  ${mib(b.done).padStart(7)}/${mib(b.size)} MiB  ${rate(b.done, b.started)}`);
    const finished = blobs.size - active.length;
    lines.push(`${finished}/${blobs.size} blobs sent, ${skipped} already there, ${mounted} mounted`);
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines) out += `\r\x1b[K${line}\n`;
    for (let i = lines.length; i < drawn; i++) out += '\r\x1b[K\n';
    const height = Math.max(drawn, lines.length);
    if (height > lines.length) out += `\x1b[${height - lines.length}A`;
    drawn = lines.length;
    stream.write(out);
  };
  return {
    /** False when nothing will be shown: the copy then runs without per-chunk progress events. */
    active: mode === 'plain' || live,
    onProgress(event: CopyProgress) {
      if (event.state === 'skipped') skipped++;
      else if (event.state === 'mounted') mounted++;
      else {
        const known = blobs.get(event.digest);
        if (known) known.done = event.transferred;
        else blobs.set(event.digest, { size: event.size, done: event.transferred, started: Date.now() });
      }
      if (live && (Date.now() - lastDraw > 100 || event.state === 'done')) {
        lastDraw = Date.now();
        draw();
      }
    },
    finish() {
      if (mode === 'none' || (mode === 'auto' && !live)) return;
      if (live) draw();
      let bytes = 0;
      for (const b of blobs.values()) bytes += b.done;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      stream.write(`copied ${blobs.size} blobs (${mib(bytes)} MiB) in ${seconds}s at ${rate(bytes, started)}; ${skipped} already there, ${mounted} mounted\n`);
    },
  };
}
