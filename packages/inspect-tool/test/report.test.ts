import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { craftImage, dir, file, whiteout } from './support/craft.js';
import { inspectCli, run, tempDir, type TempDir } from './support/cli.js';
import { countColor, decodePng } from './support/png.js';

/* The HTML report is one self-contained page; headless Chromium renders its chart and its file tree. */
const CHROMIUM = '/usr/bin/chromium';
let tmp: TempDir;
let html: string;
let reportFile: string;

beforeAll(async () => {
  tmp = await tempDir('report');
  const layout = tmp.layout;
  await craftImage(layout, 'app', {
    layers: [
      [dir('usr'), dir('usr/lib'), file('usr/lib/libbig.so', Buffer.alloc(300_000, 7)), dir('etc'), file('etc/motd', '<script>alert(1)</script>')],
      [dir('app'), file('app/server.js', 'x'.repeat(40_000)), file('app/</script><b>.txt', 'tricky name')],
      [whiteout('usr/lib/libbig.so'), file('app/config.json', '{}')],
    ],
    createdBy: ['ADD rootfs.tar /', 'COPY app /app', 'RUN rm /usr/lib/libbig.so'],
  });
  const result = await inspectCli('report', `oci:${layout}:app`);
  expect(result.code, result.stderr).toBe(0);
  html = result.stdout;
  reportFile = join(tmp.path, 'report.html');
  await writeFile(reportFile, html);
});
afterAll(() => tmp.remove());

const chromiumFlags = (profile: string) => [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
];

describe('report', () => {
  it('is one self-contained page: inline CSS, JS and SVG, nothing fetched', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<link\b|<script[^>]+src=|<img[^>]+src="http|url\(http|@import/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toMatch(/<svg[^>]+id="layer-chart"/);
    expect((html.match(/class="stored"/g) ?? []).length).toBe(3);
    // Names and contents from the image are escaped, never markup.
    expect(html).not.toContain('<b>.txt');
    expect(html).toContain('RUN rm /usr/lib/libbig.so');
    expect(html).toMatch(/id="efficiency">\d+\.\d%/);
  });

  it('renders in headless Chromium: the script builds the file tree', async () => {
    const dom = await run(CHROMIUM, [...chromiumFlags(join(tmp.path, 'profile-dom')), '--dump-dom', pathToFileURL(reportFile).href]);
    expect(dom.code, dom.stderr.slice(-500)).toBe(0);
    expect(dom.stdout).toMatch(/<details[^>]*open[^>]*><summary><span>app<\/span>/);
    expect(dom.stdout).toContain('server.js');
    expect(dom.stdout).not.toContain('libbig.so</span>');
  });

  it('screenshots with the layer chart visible', async () => {
    const png = join(tmp.path, 'report.png');
    const shot = await run(CHROMIUM, [...chromiumFlags(join(tmp.path, 'profile-shot')), '--window-size=1000,900', `--screenshot=${png}`, pathToFileURL(reportFile).href]);
    expect(shot.code, shot.stderr.slice(-500)).toBe(0);
    expect((await stat(png)).size).toBeGreaterThan(10_000);
    const image = decodePng(await readFile(png));
    expect([image.width, image.height]).toEqual([1000, 900]);
    // The bars are drawn in #3b6fd8 (stored size) and #8fb0ee (file bytes): the chart is on screen.
    const stored = countColor(image, [0x3b, 0x6f, 0xd8]);
    const content = countColor(image, [0x8f, 0xb0, 0xee]);
    expect(stored).toBeGreaterThan(20);
    expect(content).toBeGreaterThan(5000);
  });
});
