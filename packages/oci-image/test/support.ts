import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll } from 'vitest';
import {
  appendLayers,
  copy,
  digestOf,
  emptyImage,
  layerFromOpener,
  MediaTypes,
  ociTransport,
  withConfig,
  type Image,
  type Layer,
} from '@ocikit/oci-image';

export const OCI_IMAGE_BIN = resolve(import.meta.dirname, '../bin/oci-image.js');

/** A temp folder removed after the file's tests. */
export async function tempDir(prefix = 'ocikit-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A gzip tar layer in memory from a map of path -> content (dirs end with /). */
export async function memoryLayer(files: Record<string, string>): Promise<Layer> {
  const p = pack();
  for (const [name, content] of Object.entries(files).sort()) {
    if (name.endsWith('/')) p.entry({ name, type: 'directory', mode: 0o755, mtime: new Date(0) });
    else p.entry({ name, mode: 0o644, mtime: new Date(0) }, content);
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  const tar = Buffer.concat(chunks);
  const gz = gzipSync(tar);
  return layerFromOpener({ mediaType: MediaTypes.ociLayerGzip, digest: digestOf(gz), size: gz.length }, async () => Readable.from([gz]), digestOf(tar));
}

/** A small image: layers from file maps, with a config that has Env and Cmd. */
export async function testImage(layers: Array<Record<string, string>>, platform = { os: 'linux', architecture: 'amd64' }): Promise<Image> {
  const built = await Promise.all(layers.map(memoryLayer));
  const withLayers = appendLayers(emptyImage(platform), built.map((layer, i) => ({ layer, history: { created_by: `test layer ${i}` } })));
  return withConfig(withLayers, { env: ['PATH=/usr/bin:/bin'], cmd: ['/bin/sh'] });
}

/** Write an image to oci:DIR:TAG; returns its digest. */
export async function writeToLayout(image: Image, dir: string, tag: string): Promise<string> {
  const destination = await ociTransport.openDestination({ path: dir, ref: tag });
  return (await copy(image, destination)).digest;
}

export function run(command: string, args: string[], input?: Buffer | string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}), maxBuffer: 64 * 1024 * 1024 });
}

export function ociImage(...args: string[]): SpawnSyncReturns<string> {
  return run(process.execPath, [OCI_IMAGE_BIN, ...args]);
}

/** Run a tool and fail the test with its stderr when it fails. */
export function mustRun(command: string, args: string[]): string {
  const result = run(command, args);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
