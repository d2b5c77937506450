import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Image } from '../image.js';
import type { Compression } from '../media-types.js';
import { applyLayer } from '../layers/apply.js';
import { createLayer, type CreatedLayer } from '../layers/create.js';
import type { HistoryEntry } from '../types.js';
import { appendLayers, mutate } from './mutations.js';

export interface FlattenOptions {
  compression?: Compression;
  /** Clamp mtimes for a reproducible layer. */
  timestamp?: Date;
  /** Keep owners and device nodes; the caller passes true when running as root. */
  preserveOwners?: boolean;
  tmpDir?: string;
  signal?: AbortSignal;
  history?: HistoryEntry;
}

export interface Flattened {
  image: Image;
  /** Removes the temporary layer file; call once the image is written. */
  dispose(): Promise<void>;
}

/**
 * Squash all layers into one: the layers are applied in order to a scratch
 * folder (whiteouts honoured) and one layer is made from the result. The
 * config is kept; diff_ids and history are reset to the single layer.
 */
export async function flatten(image: Image, options: FlattenOptions = {}): Promise<Flattened> {
  const scratch = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'ocikit-flatten-'));
  let layer: CreatedLayer;
  try {
    for (const l of await image.layers()) {
      await applyLayer(scratch, await l.uncompressed(options.signal), {
        preserveOwners: options.preserveOwners ?? false,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    layer = await createLayer({
      dir: scratch,
      compression: options.compression ?? 'gzip',
      ...(options.timestamp ? { timestamp: options.timestamp } : {}),
      ...(options.tmpDir ? { tmpDir: options.tmpDir } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const bare = mutate(image, (parts) => ({
    ...parts,
    layers: [],
    config: { ...parts.config, rootfs: { type: 'layers', diff_ids: [] }, history: [] },
  }));
  const flat = appendLayers(bare, [{ layer, history: options.history ?? { created_by: 'oci-image flatten', comment: 'flattened' } }]);
  return { image: flat, dispose: () => layer.dispose() };
}
