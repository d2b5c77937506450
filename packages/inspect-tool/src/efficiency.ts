import type { Image } from '@ocikit/oci-image';
import { imageFs } from './files.js';
import { getNode } from './fs-tree.js';
import { visibleBytes, type MergedFs } from './merge.js';

export interface Offender {
  /** Absolute path inside the image. */
  path: string;
  /** Bytes of this path's versions that do not survive. */
  wastedBytes: number;
  /** How many versions of it the layers carry (the surviving one included). */
  versions: number;
  /** Whether a version survives into the final filesystem. */
  survives: boolean;
  /** What the path is at the end: a file, something else (a directory ...), or gone. */
  finally: 'file' | 'other' | 'gone';
}

export interface EfficiencyReport {
  /** Regular-file bytes all layers carry. */
  totalBytes: number;
  /** Regular-file bytes of the final filesystem. */
  visibleBytes: number;
  /** totalBytes - visibleBytes: versions overwritten or removed by later layers. */
  wastedBytes: number;
  /** visibleBytes / totalBytes (1 when the image carries no bytes). */
  efficiency: number;
  offenders: Offender[];
}

/**
 * Layer efficiency as dive reports it, with exact accounting: every version
 * of a regular file that a later entry overwrites or a whiteout removes is
 * wasted, the surviving version is not (dive also counts the survivor).
 */
export function efficiencyOf(fs: MergedFs, top = 20): EfficiencyReport {
  const totalBytes = fs.layers.reduce((sum, l) => sum + l.bytes, 0);
  const visible = visibleBytes(fs);
  const byPath = new Map<string, { wasted: number; lost: number }>();
  for (const w of fs.wasted) {
    const entry = byPath.get(w.path) ?? { wasted: 0, lost: 0 };
    entry.wasted += w.size;
    entry.lost++;
    byPath.set(w.path, entry);
  }
  const offenders = [...byPath.entries()]
    .map(([path, e]) => {
      const end = finalType(fs, path);
      const survives = end === 'file';
      return { path: `/${path}`, wastedBytes: e.wasted, versions: e.lost + (survives ? 1 : 0), survives, finally: end };
    })
    .sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : 1))
    .slice(0, top);
  return {
    totalBytes,
    visibleBytes: visible,
    wastedBytes: totalBytes - visible,
    efficiency: totalBytes === 0 ? 1 : visible / totalBytes,
    offenders,
  };
}

function finalType(fs: MergedFs, path: string): Offender['finally'] {
  const node = getNode(fs.root, path);
  if (!node) return 'gone';
  return node.type === 'file' ? 'file' : 'other';
}

export async function imageEfficiency(image: Image, options: { signal?: AbortSignal; top?: number } = {}): Promise<EfficiencyReport> {
  return efficiencyOf(await imageFs(image, { signal: options.signal }), options.top);
}
