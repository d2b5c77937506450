import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readAll } from './blob.js';
import { asOciError } from './errors.js';
import type { Image } from './image.js';
import type { ImageIndex } from './image-index.js';
import { TEMP_PREFIX } from './layout/atomic-file.js';
import type { OciLayout } from './layout/layout.js';
import { isLayerMediaType, MediaTypes } from './media-types.js';
import { schemaProblems } from './schema/validate.js';
import type { Descriptor } from './types.js';
import { REF_NAME_ANNOTATION } from './types.js';

export interface ValidationReport {
  ok: boolean;
  problems: string[];
  /** Not wrong, but worth knowing (e.g. temporary files of a killed writer). */
  warnings?: string[];
  /** How many manifests, indexes and blobs were checked. */
  checked: number;
}

const KNOWN_CONFIG_TYPES = new Set<string>([MediaTypes.ociConfig, MediaTypes.dockerConfig]);

/** Read a whole blob through its verifying stream; returns a problem line or undefined. */
async function verifyBlob(open: () => Promise<NodeJS.ReadableStream>, where: string): Promise<string | undefined> {
  try {
    const stream = await open();
    for await (const _chunk of stream) void _chunk;
    return undefined;
  } catch (error) {
    return `${where}: ${asOciError(error).toLine()}`;
  }
}

/**
 * Check an image or index completely: schemas of every document, every blob's
 * digest and size, every descriptor resolvable. Problems are collected, not thrown.
 */
export async function validateArtifact(artifact: Image | ImageIndex, where: string, report: ValidationReport, seen = new Set<string>()): Promise<void> {
  const digest = await artifact.digest();
  if (seen.has(digest)) return;
  seen.add(digest);
  report.checked++;
  const at = `${where} (${digest})`;
  try {
    const raw = await artifact.rawManifest();
    const doc = JSON.parse(raw.toString('utf8'));
    const problems = await schemaProblems(artifact.kind === 'index' ? 'index' : 'manifest', doc);
    for (const p of problems) report.problems.push(`${at}: ${p}`);
    if (problems.length) return;
    if (artifact.kind === 'index') {
      const manifests = await artifact.manifests();
      for (const [i, d] of manifests.entries()) {
        try {
          await validateArtifact(await artifact.child(d), `${where}/manifests/${i}`, report, seen);
        } catch (error) {
          report.problems.push(`${where}/manifests/${i} (${d.digest}): ${asOciError(error).toLine()}`);
        }
      }
      return;
    }
    const manifest = await artifact.manifest();
    const blobs = await artifact.blobs();
    for (const [i, blob] of blobs.entries()) {
      const field = i === 0 ? 'config' : `layers/${i - 1}`;
      report.checked++;
      const problem = await verifyBlob(() => blob.open(), `${at}/${field}`);
      if (problem) report.problems.push(problem);
    }
    if (KNOWN_CONFIG_TYPES.has(manifest.config.mediaType)) {
      try {
        const config = JSON.parse((await readAll(await blobs[0]!.open())).toString('utf8'));
        for (const p of await schemaProblems('config', config)) report.problems.push(`${at}/config: ${p}`);
        const layers = manifest.layers.filter((l: Descriptor) => isLayerMediaType(l.mediaType));
        if (config?.rootfs?.diff_ids?.length !== layers.length) {
          report.problems.push(`${at}/config: rootfs.diff_ids has ${config?.rootfs?.diff_ids?.length} entries for ${layers.length} layers`);
        }
      } catch (error) {
        report.problems.push(`${at}/config: ${asOciError(error).toLine()}`);
      }
      for (const [i, layer] of manifest.layers.entries()) {
        if (!isLayerMediaType(layer.mediaType)) report.problems.push(`${at}/layers/${i}: unknown layer media type ${layer.mediaType}`);
      }
    }
  } catch (error) {
    report.problems.push(`${at}: ${asOciError(error).toLine()}`);
  }
}

/** Validate a whole layout: oci-layout, index.json, every ref, and stray files in blobs/. */
export async function validateLayout(layout: OciLayout, open: (d: Descriptor) => Promise<Image | ImageIndex>): Promise<ValidationReport> {
  const report: ValidationReport = { ok: true, problems: [], checked: 0 };
  try {
    await layout.check();
    const index = await layout.readIndex();
    const seen = new Set<string>();
    for (const [i, d] of index.manifests.entries()) {
      const name = d.annotations?.[REF_NAME_ANNOTATION];
      const where = `index.json/manifests/${i}${name ? ` [${name}]` : ''}`;
      try {
        await validateArtifact(await open(d), where, report, seen);
      } catch (error) {
        report.problems.push(`${where} (${d.digest}): ${asOciError(error).toLine()}`);
      }
    }
    for (const algorithm of await readdir(join(layout.root, 'blobs'))) {
      for (const name of await readdir(join(layout.root, 'blobs', algorithm))) {
        if (name.startsWith(TEMP_PREFIX)) {
          (report.warnings ??= []).push(`blobs/${algorithm}/${name}: temporary file of an unfinished write (oci-image gc removes it)`);
        }
      }
    }
  } catch (error) {
    report.problems.push(asOciError(error).toLine());
  }
  report.ok = report.problems.length === 0;
  return report;
}
