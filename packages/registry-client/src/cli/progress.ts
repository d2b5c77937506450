import type { CopyProgress } from '@ocikit/oci-image';

export type ProgressMode = 'auto' | 'plain' | 'none';

/**
 * Progress on stderr: a live line when stderr is a TTY (auto), one summary
 * line for logs (plain), or nothing. Pipes stay silent in auto mode.
 */
export function progressReporter(mode: ProgressMode) {
  const live = mode === 'auto' && process.stderr.isTTY === true;
  const started = Date.now();
  const blobs = new Map<string, { size: number; done: number }>();
  let mounted = 0;
  let skipped = 0;
  let lastDraw = 0;
  const totals = () => {
    let bytes = 0;
    let size = 0;
    for (const b of blobs.values()) {
      bytes += b.done;
      size += b.size;
    }
    return { bytes, size };
  };
  const rate = (bytes: number) => `${(bytes / 1048576 / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1)} MiB/s`;
  return {
    onProgress(event: CopyProgress) {
      if (event.state === 'skipped') skipped++;
      else if (event.state === 'mounted') mounted++;
      else blobs.set(event.digest, { size: event.size, done: event.transferred });
      if (live && Date.now() - lastDraw > 100) {
        lastDraw = Date.now();
        const { bytes, size } = totals();
        const active = [...blobs.values()].filter((b) => b.done < b.size).length;
        process.stderr.write(`\r\x1b[Kcopying ${blobs.size} blobs (${active} active): ${(bytes / 1048576).toFixed(1)}/${(size / 1048576).toFixed(1)} MiB, ${rate(bytes)}`);
      }
    },
    finish() {
      if (live) process.stderr.write('\r\x1b[K');
      if (mode === 'none' || (mode === 'auto' && !live)) return;
      const { bytes } = totals();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(`copied ${blobs.size} blobs (${(bytes / 1048576).toFixed(1)} MiB) in ${seconds}s at ${rate(bytes)}; ${skipped} already there, ${mounted} mounted\n`);
    },
  };
}
