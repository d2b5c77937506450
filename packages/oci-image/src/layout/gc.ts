import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isIndexMediaType, isManifestMediaType } from '../media-types.js';
import type { Descriptor } from '../types.js';
import { TEMP_PREFIX } from './atomic-file.js';
import { withDirLock } from './lock.js';
import { LOCK_NAME, type OciLayout } from './layout.js';

export interface GcResult {
  removed: string[];
  bytesFreed: number;
  kept: number;
}

export interface GcOptions {
  /** Only report what would be removed. */
  dryRun?: boolean;
  /** Temporary files older than this are left by dead writers and removed (default 1 hour). */
  staleTempMs?: number;
}

/** Every digest reachable from index.json: manifests, indexes, configs, layers, subjects. */
export async function reachableDigests(layout: OciLayout): Promise<Set<string>> {
  const seen = new Set<string>();
  const visit = async (d: Descriptor): Promise<void> => {
    if (seen.has(d.digest)) return;
    seen.add(d.digest);
    if (!isManifestMediaType(d.mediaType) && !isIndexMediaType(d.mediaType)) return;
    const doc = JSON.parse((await layout.readBlob(d.digest)).toString('utf8')) as {
      config?: Descriptor;
      layers?: Descriptor[];
      manifests?: Descriptor[];
      subject?: Descriptor;
    };
    const children = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? []), ...(doc.manifests ?? [])];
    if (doc.subject) children.push(doc.subject);
    for (const child of children) await visit(child);
  };
  for (const d of (await layout.readIndex()).manifests) await visit(d);
  return seen;
}

/**
 * Remove blobs nothing in index.json reaches, and temporary files of dead
 * writers. Holds the index lock, so refs cannot change meanwhile; a writer
 * that has put blobs but not yet committed must not run at the same time.
 */
export async function gcLayout(layout: OciLayout, options: GcOptions = {}): Promise<GcResult> {
  await layout.check();
  const staleMs = options.staleTempMs ?? 60 * 60 * 1000;
  return withDirLock(layout.root, LOCK_NAME, async () => {
    const keep = await reachableDigests(layout);
    const result: GcResult = { removed: [], bytesFreed: 0, kept: 0 };
    const blobsDir = join(layout.root, 'blobs');
    for (const algorithm of await readdir(blobsDir)) {
      for (const name of await readdir(join(blobsDir, algorithm))) {
        const path = join(blobsDir, algorithm, name);
        const info = await stat(path);
        const isTemp = name.startsWith(TEMP_PREFIX);
        if (isTemp ? Date.now() - info.mtimeMs < staleMs : keep.has(`${algorithm}:${name}`)) {
          result.kept++;
          continue;
        }
        result.removed.push(isTemp ? name : `${algorithm}:${name}`);
        result.bytesFreed += info.size;
        if (!options.dryRun) await rm(path, { force: true });
      }
    }
    return result;
  });
}
