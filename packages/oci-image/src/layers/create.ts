import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compressor } from '../compression.js';
import { DigestingStream } from '../digest.js';
import { OciError } from '../errors.js';
import { layerFromOpener, type Layer } from '../layer.js';
import { ociLayerMediaType, type Compression } from '../media-types.js';
import { allAdditions, changePath, diffTrees, type Change } from './diff.js';
import { BLOCK, encodeHeader, END_OF_ARCHIVE, padding } from './tar-format.js';
import { walkTree, type TreeNode } from './tree.js';
import { readXattrs } from './xattrs.js';

/** A layer we just wrote to a temporary file; dispose() removes the file. */
export interface CreatedLayer extends Layer {
  /** Entries written (whiteouts and opaque markers included). */
  readonly entries: number;
  dispose(): Promise<void>;
}

export interface LayerWriteOptions {
  compression?: Compression;
  /** gzip 1-9 or zstd 1-19; the codec's default when absent. */
  level?: number;
  /** Clamp every mtime to this time (SOURCE_DATE_EPOCH or --timestamp) for reproducible layers. */
  timestamp?: Date;
  /** Where the temporary blob goes (default: the OS temp folder). */
  tmpDir?: string;
  signal?: AbortSignal;
}

export interface CreateLayerOptions extends LayerWriteOptions {
  dir: string;
  /** Write only the difference from this tree: new and changed paths, whiteouts for deleted ones. */
  base?: string;
  /** Copy extended attributes (default true; needs getfattr). */
  xattrs?: boolean;
}

function clampSeconds(mtimeMs: number, timestamp: Date | undefined): number {
  const seconds = Math.floor(mtimeMs / 1000);
  if (!timestamp) return seconds;
  return Math.min(seconds, Math.floor(timestamp.getTime() / 1000));
}

class FileChangedError extends OciError {
  constructor(path: string) {
    super('ERR_OCI_FILE_CHANGED', `${path} changed while it was being read`, { hint: 'do not modify the tree while a layer is created from it' });
  }
}

function* fileChunks(abs: string, node: TreeNode): Generator<Buffer> {
  if (node.size <= 1024 * 1024) {
    const bytes = readFileSync(abs);
    if (bytes.length !== node.size) throw new FileChangedError(node.path);
    yield bytes;
    return;
  }
  const fd = openSync(abs, 'r');
  try {
    let left = node.size;
    while (left > 0) {
      const chunk = Buffer.allocUnsafe(Math.min(left, 1024 * 1024));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) throw new FileChangedError(node.path);
      left -= n;
      yield n === chunk.length ? chunk : chunk.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The tar bytes for a list of changes under `root`: numeric owners only, no
 * user or group names, no atime/ctime, names without ./, hard links kept
 * within the layer, mtimes clamped.
 */
export async function* tarOfChanges(
  root: string,
  changes: readonly Change[],
  options: { timestamp?: Date; xattrs?: ReadonlyMap<string, ReadonlyMap<string, Buffer>>; signal?: AbortSignal },
): AsyncGenerator<Buffer> {
  const firstPathOfInode = new Map<string, string>();
  let pending: Buffer[] = [];
  let pendingSize = 0;
  const flush = function* () {
    if (pendingSize === 0) return;
    yield pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingSize);
    pending = [];
    pendingSize = 0;
  };
  // Small headers are batched so the pipeline moves big chunks.
  const push = (buf: Buffer) => {
    pending.push(buf);
    pendingSize += buf.length;
  };
  for (const change of changes) {
    options.signal?.throwIfAborted();
    if (change.kind !== 'add') {
      push(encodeHeader({ name: changePath(change), type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 }));
      continue;
    }
    const node = change.node;
    const abs = join(root, node.path);
    const xattrs = options.xattrs?.get(abs);
    const common = {
      mode: node.mode,
      uid: node.uid,
      gid: node.gid,
      mtime: clampSeconds(node.mtimeMs, options.timestamp),
      ...(xattrs && xattrs.size ? { xattrs } : {}),
    };
    if (node.type === 'file' && node.nlink > 1) {
      const key = `${node.dev}:${node.ino}`;
      const first = firstPathOfInode.get(key);
      if (first !== undefined) {
        push(encodeHeader({ ...common, name: node.path, type: 'hardlink', size: 0, linkname: first }));
        continue;
      }
      firstPathOfInode.set(key, node.path);
    }
    if (node.type === 'dir') {
      push(encodeHeader({ ...common, name: `${node.path}/`, type: 'dir', size: 0 }));
    } else if (node.type === 'file') {
      push(encodeHeader({ ...common, name: node.path, type: 'file', size: node.size }));
      if (node.size === 0) continue;
      for (const chunk of fileChunks(abs, node)) {
        if (chunk.length >= 64 * 1024) {
          yield* flush();
          yield chunk;
        } else push(chunk);
      }
      const pad = padding(node.size);
      if (pad) push(Buffer.alloc(pad));
    } else {
      push(
        encodeHeader({
          ...common,
          name: node.path,
          type: node.type,
          size: 0,
          ...(node.linkname !== undefined ? { linkname: node.linkname } : {}),
          ...(node.devmajor !== undefined ? { devmajor: node.devmajor, devminor: node.devminor ?? 0 } : {}),
        }),
      );
    }
    if (pendingSize >= 64 * 1024) yield* flush();
  }
  push(END_OF_ARCHIVE);
  yield* flush();
}

/**
 * Compress a tar stream into a temporary file, computing the blob digest and
 * the diffID in the same pass, and wrap the file as a Layer.
 */
export async function writeLayerBlob(tar: Readable, options: LayerWriteOptions & { entries?: () => number }): Promise<CreatedLayer> {
  const compression = options.compression ?? 'gzip';
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'ocikit-layer-'));
  const file = join(dir, 'blob');
  try {
    const diff = new DigestingStream();
    const blob = new DigestingStream();
    // gzip is the slow part of layer creation: spread it over the cores (same bytes whatever their number).
    // Loaded here, as compression.ts loads zlib: importing the layer code must not cost zlib's start-up.
    const codec =
      compression === 'gzip'
        ? new (await import('./parallel-gzip.js')).ParallelGzip(options.level)
        : await compressor(compression, options.level === undefined ? {} : { level: options.level });
    await pipeline(tar, diff, codec, blob, createWriteStream(file), options.signal ? { signal: options.signal } : {});
    const descriptor = { mediaType: ociLayerMediaType(compression), digest: blob.digest(), size: blob.size };
    const layer = layerFromOpener(descriptor, async () => createReadStream(file, { highWaterMark: 256 * 1024 }), diff.digest());
    return { ...layer, entries: options.entries?.() ?? 0, dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A layer of a folder, or of its difference from `base`, reproducibly (see tarOfChanges). */
export async function createLayer(options: CreateLayerOptions): Promise<CreatedLayer> {
  const current = walkTree(options.dir, options.signal);
  const changes = options.base ? diffTrees(current, new Map(walkTree(options.base, options.signal).map((n) => [n.path, n])), { mode: 'trees' }) : allAdditions(current);
  return layerOfChanges(options.dir, changes, options);
}

export async function layerOfChanges(
  root: string,
  changes: readonly Change[],
  options: LayerWriteOptions & { xattrs?: boolean },
): Promise<CreatedLayer> {
  const xattrs = options.xattrs === false ? undefined : await readXattrs(changes.flatMap((c) => (c.kind === 'add' ? [join(root, c.node.path)] : [])));
  const tar = Readable.from(
    tarOfChanges(root, changes, {
      ...(options.timestamp ? { timestamp: options.timestamp } : {}),
      ...(xattrs ? { xattrs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
    { objectMode: false, highWaterMark: 4 * BLOCK * 128 },
  );
  return writeLayerBlob(tar, { ...options, entries: () => changes.length });
}
