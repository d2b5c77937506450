import type { Image } from '@ocikit/oci-image';
import { efficiencyOf } from './efficiency.js';
import { imageFs } from './files.js';
import { historyRows } from './history.js';
import { inspectImage } from './inspect.js';
import { renderReport } from './report-html.js';

/** The HTML report of an image: every layer is read once. */
export async function imageReport(image: Image, reference: string, options: { signal?: AbortSignal } = {}): Promise<string> {
  const [inspect, manifest, config] = await Promise.all([inspectImage(image), image.manifest(), image.config()]);
  const fs = await imageFs(image, { signal: options.signal });
  return renderReport({ reference, inspect, history: historyRows(manifest, config, fs), efficiency: efficiencyOf(fs, 50), root: fs.root });
}
