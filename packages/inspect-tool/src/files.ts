import { Readable } from 'node:stream';
import { OciError, readLayerEntries, type Image, type Layer } from '@ocikit/oci-image';
import { cleanPath, getNode, resolvePath, walk, type FsNode } from './fs-tree.js';
import { mergeLayers, type MergedFs, type MergeOptions } from './merge.js';

export class NoSuchFileError extends OciError {
  constructor(path: string, reference: string, what = 'no such file or directory') {
    super('ERR_INSPECT_NO_SUCH_FILE', `${path}: ${what} in ${reference}`);
  }
}

/** The merged filesystem of an image: every layer streamed once, in order, nothing written to disk. */
export async function imageFs(image: Image, options: MergeOptions = {}): Promise<MergedFs> {
  return mergeLayers(await image.layers(), options);
}

export interface ListedEntry {
  /** Absolute path inside the image, e.g. /etc/passwd. */
  path: string;
  node: FsNode;
  /** Metadata as the filesystem shows it: a hard link shows its target's inode (mode, owner, size, time). */
  inode: FsNode;
  size: number;
}

export interface ListOptions extends MergeOptions {
  /** List below this path (symlinks on the way are followed); default the root. */
  path?: string;
  /** Levels below the start to list (1 = its children only); default all. */
  depth?: number;
  /** For messages. */
  reference?: string;
}

/** List the merged filesystem (or a subtree of it), depth first in name order. */
export async function listFiles(image: Image, options: ListOptions = {}): Promise<ListedEntry[]> {
  const fs = await imageFs(image, options);
  const start = options.path && cleanPath(options.path) !== '' ? resolvePath(fs.root, options.path) : { path: '', node: fs.root };
  if (!start) throw new NoSuchFileError(options.path ?? '/', options.reference ?? 'the image');
  return listTree(fs.root, start.path, start.node, options.depth);
}

export function listTree(root: FsNode, startPath: string, start: FsNode, depth?: number): ListedEntry[] {
  const out: ListedEntry[] = [];
  const baseDepth = startPath === '' ? 0 : startPath.split('/').length;
  for (const [path, node] of walk(start, startPath)) {
    if (node === start && start.type === 'dir') continue;
    if (depth !== undefined && path.split('/').length - baseDepth > depth) continue;
    const inode = (node.type === 'hardlink' && getNode(root, node.linkname ?? '')) || node;
    out.push({ path: `/${path}`, node, inode, size: inode.size });
  }
  return out;
}

/** Where the content of a path comes from: the layer and the name inside that layer's tar. */
function contentSource(fs: MergedFs, path: string, reference: string): { layer: number; path: string } {
  const found = resolvePath(fs.root, path);
  if (!found) throw new NoSuchFileError(path, reference);
  const { node } = found;
  if (node.type === 'dir') throw new NoSuchFileError(path, reference, 'is a directory');
  if (node.type === 'hardlink') return { layer: node.layer, path: node.linkname ?? '' };
  if (node.type !== 'file') throw new NoSuchFileError(path, reference, `is a ${node.type}, not a regular file`);
  return { layer: node.layer, path: found.path };
}

async function* layerFileContent(layer: Layer, wanted: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for await (const entry of readLayerEntries(await layer.uncompressed(signal), { signal })) {
    if (entry.type !== 'file' || cleanPath(entry.path) !== wanted) continue;
    for await (const chunk of entry.body()) yield chunk;
    return;
  }
  throw new OciError('ERR_INSPECT_NO_SUCH_FILE', `${wanted} vanished from its layer ${layer.descriptor.digest}`);
}

/**
 * One file of the image as a stream: a first pass over the layers' metadata
 * finds the layer that provides it (after whiteouts and symlinks), a second
 * streams that one layer up to the file.
 */
export async function openFile(image: Image, path: string, options: { signal?: AbortSignal; reference?: string } = {}): Promise<Readable> {
  const layers = await image.layers();
  const fs = await mergeLayers(layers, { signal: options.signal });
  const source = contentSource(fs, path, options.reference ?? 'the image');
  return Readable.from(layerFileContent(layers[source.layer] as Layer, source.path, options.signal), { objectMode: false });
}
