import type { Image, ImageConfig, Manifest } from '@ocikit/oci-image';
import { mergeLayers, type LayerChanges, type MergedFs } from './merge.js';

export interface HistoryRow {
  /** Index of the layer this step made, or null for a step that made none (ENV, CMD ...). */
  layer: number | null;
  digest: string | null;
  /** Stored (compressed) size of the layer. */
  size: number;
  /** Regular-file bytes in the layer once uncompressed. */
  contentBytes: number;
  created: string | null;
  createdBy: string;
  comment: string | null;
  added: number;
  changed: number;
  removed: number;
}

/**
 * Each build step with its layer and what it did to the filesystem. Config
 * history entries with empty_layer map to no layer; the others map to the
 * layers in order (as docker history does). Layers without history get a row
 * of their own.
 */
export async function imageHistory(image: Image, options: { signal?: AbortSignal } = {}): Promise<HistoryRow[]> {
  const [manifest, config] = await Promise.all([image.manifest(), image.config()]);
  return historyRows(manifest, config, await mergeLayers(await image.layers(), { signal: options.signal }));
}

export function historyRows(manifest: Manifest, config: ImageConfig, fs: MergedFs): HistoryRow[] {
  const layerRow = (index: number, changes: LayerChanges | undefined) => ({
    layer: index,
    digest: manifest.layers[index]?.digest ?? null,
    size: manifest.layers[index]?.size ?? 0,
    contentBytes: changes?.bytes ?? 0,
    added: changes?.added.length ?? 0,
    changed: changes?.changed.length ?? 0,
    removed: changes?.removed.length ?? 0,
  });
  const rows: HistoryRow[] = [];
  let next = 0;
  for (const h of config.history ?? []) {
    const common = { created: h.created ?? null, createdBy: h.created_by ?? '', comment: h.comment ?? null };
    if (h.empty_layer || next >= manifest.layers.length) {
      rows.push({ layer: null, digest: null, size: 0, contentBytes: 0, added: 0, changed: 0, removed: 0, ...common });
    } else {
      rows.push({ ...layerRow(next, fs.layers[next]), ...common });
      next++;
    }
  }
  for (; next < manifest.layers.length; next++) rows.push({ ...layerRow(next, fs.layers[next]), created: null, createdBy: '', comment: null });
  return rows;
}
