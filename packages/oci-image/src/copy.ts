import type { Blob } from './blob.js';
import { AbortedError, OciError } from './errors.js';
import type { Image } from './image.js';
import type { ImageIndex } from './image-index.js';
import type { ImageDestination, Logger, RawManifest } from './transport.js';
import type { Descriptor, Platform } from './types.js';

export interface CopyProgress {
  digest: string;
  size: number;
  /** bytes moved so far for this blob */
  transferred: number;
  state: 'skipped' | 'mounted' | 'started' | 'progress' | 'done';
}

export interface CopyOptions {
  /** Blobs copied at once (default 4). */
  jobs?: number;
  /** Copy the whole index; otherwise one image is chosen from an index. */
  all?: boolean;
  /** The image to pick from an index (default: this machine's platform). */
  platform?: Platform;
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (event: CopyProgress) => void;
  /** Times a blob is sent when the destination reports a retryable failure (default 3). */
  blobAttempts?: number;
}

export interface CopyResult {
  /** The destination reference with digest, as the destination reports it. */
  reference: string;
  digest: string;
  mediaType: string;
  blobsCopied: number;
  blobsSkipped: number;
  bytesCopied: number;
}

interface CopyState {
  dst: ImageDestination;
  options: CopyOptions;
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  done: Map<string, Promise<void>>;
  stats: { copied: number; skipped: number; bytes: number };
}

/**
 * The one copy engine: any Image or ImageIndex into any destination. Blobs that
 * exist are skipped, mounts are tried, bytes pass through unchanged (the
 * manifest digest is kept), and the top manifest goes last, then commit.
 */
export async function copy(src: Image | ImageIndex, dst: ImageDestination, options: CopyOptions = {}): Promise<CopyResult> {
  const { default: pLimit } = await import('p-limit');
  const limiter = pLimit(Math.max(1, options.jobs ?? 4));
  const state: CopyState = {
    dst,
    options,
    limit: (fn) => limiter(fn),
    done: new Map(),
    stats: { copied: 0, skipped: 0, bytes: 0 },
  };
  try {
    let top: Image | ImageIndex = src;
    if (src.kind === 'index' && !options.all) top = await src.image(options.platform);
    if (top.kind === 'index' && !dst.supportsIndex) {
      throw new OciError('ERR_OCI_INDEX_UNSUPPORTED', `${dst.reference} cannot store an image index`, {
        hint: 'pick one image with --platform, or drop --all',
      });
    }
    const raw = await copyArtifact(top, state, true);
    const reference = await dst.commit({ ...(options.signal ? { signal: options.signal } : {}) });
    return {
      reference,
      digest: raw.digest,
      mediaType: raw.mediaType,
      blobsCopied: state.stats.copied,
      blobsSkipped: state.stats.skipped,
      bytesCopied: state.stats.bytes,
    };
  } catch (error) {
    await dst.abort().catch(() => {});
    throw error;
  }
}

async function rawOf(artifact: Image | ImageIndex): Promise<RawManifest> {
  return { bytes: await artifact.rawManifest(), mediaType: await artifact.mediaType(), digest: await artifact.digest() };
}

async function copyArtifact(artifact: Image | ImageIndex, state: CopyState, top: boolean): Promise<RawManifest> {
  checkAborted(state.options.signal);
  if (artifact.kind === 'index') {
    const children = await artifact.manifests();
    await Promise.all(children.map(async (d) => copyArtifact(await artifact.child(d), state, false)));
  } else {
    const blobs = await artifact.blobs();
    await Promise.all(blobs.map((blob) => copyBlobOnce(blob, artifact, state)));
  }
  const raw = await rawOf(artifact);
  await state.dst.putManifest(raw, { top, ...(state.options.signal ? { signal: state.options.signal } : {}) });
  return raw;
}

function copyBlobOnce(blob: Blob, image: Image, state: CopyState): Promise<void> {
  const key = blob.descriptor.digest;
  let pending = state.done.get(key);
  if (!pending) {
    pending = state.limit(() => copyBlob(blob, image, state));
    state.done.set(key, pending);
  }
  return pending;
}

async function copyBlob(blob: Blob, image: Image, state: CopyState): Promise<void> {
  const { dst, options } = state;
  const d: Descriptor = blob.descriptor;
  const signalOpt = options.signal ? { signal: options.signal } : {};
  checkAborted(options.signal);
  const report = (s: CopyProgress['state'], transferred: number) =>
    options.onProgress?.({ digest: d.digest, size: d.size, transferred, state: s });
  if (await dst.hasBlob(d, signalOpt)) {
    state.stats.skipped++;
    report('skipped', d.size);
    return;
  }
  if (dst.mountBlob && image.origin && (await dst.mountBlob(d, image.origin, signalOpt))) {
    state.stats.skipped++;
    report('mounted', d.size);
    return;
  }
  report('started', 0);
  // A stream can be sent once: when a destination flags a failure as retryable
  // (a dropped upload), the blob is opened again and sent again.
  const attempts = Math.max(1, options.blobAttempts ?? 3);
  for (let attempt = 1; ; attempt++) {
    const stream = await blob.open(options.signal);
    let transferred = 0;
    if (options.onProgress) {
      stream.on('data', (chunk: Buffer) => {
        transferred += chunk.length;
        report('progress', transferred);
      });
      stream.pause();
    }
    try {
      await dst.putBlob(d, stream, signalOpt);
      break;
    } catch (error) {
      stream.destroy();
      if (attempt >= attempts || (error as { retryable?: unknown })?.retryable !== true || options.signal?.aborted) throw error;
      options.logger?.debug?.(`blob ${d.digest}: ${(error as Error).message}; sending it again`);
    }
  }
  state.stats.copied++;
  state.stats.bytes += d.size;
  report('done', d.size);
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(signal.reason);
}
