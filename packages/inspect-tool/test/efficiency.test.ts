import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftImage, dir, file, hardlink, opaque, whiteout } from './support/craft.js';
import { inspectCli, tempDir, type TempDir } from './support/cli.js';

/*
 * A crafted image whose waste is known to the byte:
 *   layer 0: /big.bin 10000, /keep.txt 100, /tmp/cache1 3000, /tmp/cache2 2000, /opt/a 700
 *   layer 1: /big.bin again (12000), /tmp removed, /x 50, /opt made opaque with /opt/b 30
 *   layer 2: /big.bin removed
 * total 27880, visible 180 (keep.txt, x, opt/b): wasted 27700.
 */
let tmp: TempDir;
let ref: string;
let cleanRef: string;

beforeAll(async () => {
  tmp = await tempDir('efficiency');
  const layout = tmp.layout;
  await craftImage(layout, 'wasteful', {
    layers: [
      [file('big.bin', Buffer.alloc(10000, 1)), file('keep.txt', 'k'.repeat(100)), dir('tmp'), file('tmp/cache1', 'c'.repeat(3000)), file('tmp/cache2', 'd'.repeat(2000)), dir('opt'), file('opt/a', 'a'.repeat(700))],
      [file('big.bin', Buffer.alloc(12000, 2)), whiteout('tmp'), file('x', 'x'.repeat(50)), opaque('opt'), file('opt/b', 'b'.repeat(30))],
      [whiteout('big.bin')],
    ],
    createdBy: ['ADD base', 'RUN rewrite big.bin && rm -rf /tmp', 'RUN rm /big.bin'],
  });
  await craftImage(layout, 'clean', { layers: [[file('a', 'aaaa'), hardlink('b', 'a')], [file('c', 'cc')]] });
  ref = `oci:${layout}:wasteful`;
  cleanRef = `oci:${layout}:clean`;
});
afterAll(() => tmp.remove());

describe('efficiency', () => {
  it('counts the wasted bytes of a crafted image exactly', async () => {
    const result = await inspectCli('efficiency', '--format', 'json', ref);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.totalBytes).toBe(27880);
    expect(report.visibleBytes).toBe(180);
    expect(report.wastedBytes).toBe(27700);
    expect(report.efficiency).toBeCloseTo(180 / 27880, 10);
    expect(report.offenders).toEqual([
      { path: '/big.bin', wastedBytes: 22000, versions: 2, survives: false, finally: 'gone' },
      { path: '/tmp/cache1', wastedBytes: 3000, versions: 1, survives: false, finally: 'gone' },
      { path: '/tmp/cache2', wastedBytes: 2000, versions: 1, survives: false, finally: 'gone' },
      { path: '/opt/a', wastedBytes: 700, versions: 1, survives: false, finally: 'gone' },
    ]);
  });

  it('--lowest-efficiency fails a CI step below the threshold, passes above it', async () => {
    const low = await inspectCli('efficiency', '--lowest-efficiency', '0.5', ref);
    expect(low.code).toBe(1);
    expect(low.stdout).toMatch(/wasted bytes: 27700/);
    expect(low.stderr.trim()).toMatch(/^oci-inspect: ERR_INSPECT_INEFFICIENT: efficiency 0\.0065 is below 0\.5/);
    const ok = await inspectCli('efficiency', '--lowest-efficiency', '0.99', cleanRef);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/efficiency: +100\.00 %/);
    const bad = await inspectCli('efficiency', '--lowest-efficiency', '7', cleanRef);
    expect(bad.code).toBe(2);
  });

  it('history shows each step with its layer and files added, changed and removed', async () => {
    const result = await inspectCli('history', '--format', 'json', ref);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.layer, r.createdBy, r.added, r.changed, r.removed, r.contentBytes])).toEqual([
      [0, 'ADD base', 7, 0, 0, 15800],
      [1, 'RUN rewrite big.bin && rm -rf /tmp', 2, 1, 4, 12080],
      [2, 'RUN rm /big.bin', 0, 0, 1, 0],
    ]);
    const text = await inspectCli('history', ref);
    expect(text.stdout.split('\n')[0]).toMatch(/^LAYER +SIZE +ADDED +CHANGED +REMOVED +CREATED +CREATED BY$/);
    expect(text.stdout).toContain('RUN rm /big.bin');
  });
});
