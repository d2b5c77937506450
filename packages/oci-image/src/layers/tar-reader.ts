import type { Readable } from 'node:stream';
import { AbortedError, OciError } from '../errors.js';
import { BLOCK, decodeHeader, decodePax, entryTypeOf, isZeroBlock, padding, TarFormatError, UNNORMALISED_PATH, type EntryType } from './tar-format.js';

export type { EntryType } from './tar-format.js';

/** One entry of a layer tar, with its metadata folded from PAX and GNU records. */
export interface LayerEntry {
  /** Normalised: no leading `./` or `/`, no trailing `/`; `''` is the root itself. */
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits with setuid, setgid and sticky (07777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly uname?: string;
  readonly gname?: string;
  readonly size: number;
  readonly mtime: Date;
  /** Symlink target as written, or the normalised path a hard link points to. */
  readonly linkname?: string;
  /** SCHILY.xattr.* values as raw bytes. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
  readonly devmajor: number;
  readonly devminor: number;
  /** The body, once, before the iteration moves on; unread bodies are skipped. */
  body(): AsyncIterable<Buffer>;
  /** The whole body as one Buffer, for small bodies (the same once-only rule as body()). */
  readAll(): Promise<Buffer>;
}

export interface ReadEntriesOptions {
  signal?: AbortSignal;
  /** Largest PAX or GNU long-name record accepted (default 1 MiB). */
  maxMetadataSize?: number;
}

export class TruncatedLayerError extends OciError {
  constructor() {
    super('ERR_OCI_LAYER_TRUNCATED', 'the layer tar ends in the middle of an entry', { hint: 'the blob is truncated or corrupt' });
  }
}

/** Pulls exact byte counts out of a stream of chunks. */
class ByteReader {
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    for (;;) {
      const next = await this.source.next();
      if (next.done) return false;
      const value = next.value as Buffer;
      if (value.length === 0) continue;
      this.chunk = value;
      this.offset = 0;
      return true;
    }
  }

  /** Exactly n bytes, or null at a clean end of input; throws on a partial read. */
  async readExact(n: number): Promise<Buffer | null> {
    const available = this.chunk.length - this.offset;
    if (available >= n) {
      const out = this.chunk.subarray(this.offset, this.offset + n);
      this.offset += n;
      return out;
    }
    const parts: Buffer[] = [];
    let have = 0;
    if (available > 0) {
      parts.push(this.chunk.subarray(this.offset));
      have = available;
    }
    this.offset = this.chunk.length;
    while (have < n) {
      if (!(await this.fill())) {
        if (have === 0) return null;
        throw new TruncatedLayerError();
      }
      const take = Math.min(n - have, this.chunk.length);
      parts.push(this.chunk.subarray(0, take));
      this.offset = take;
      have += take;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, n);
  }

  /** n bytes as chunks without copying. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.offset >= this.chunk.length && !(await this.fill())) throw new TruncatedLayerError();
      const take = Math.min(left, this.chunk.length - this.offset);
      const out = this.chunk.subarray(this.offset, this.offset + take);
      this.offset += take;
      left -= take;
      yield out;
    }
  }

  async discard(n: number): Promise<void> {
    for await (const _ of this.chunks(n));
  }

  async drain(): Promise<void> {
    this.offset = this.chunk.length;
    while (await this.fill()) this.offset = this.chunk.length;
  }
}

const NO_XATTRS: ReadonlyMap<string, Buffer> = new Map();

/** `./a/b/`, `/a//b`, `a/./b` -> `a/b`; `..` is kept for the applier to judge. */
export function normaliseEntryPath(name: string): string {
  if (!UNNORMALISED_PATH.test(name)) return name;
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    parts.push(part);
  }
  return parts.join('/');
}

function paxString(pax: Map<string, Buffer>, key: string): string | undefined {
  return pax.get(key)?.toString('utf8');
}

function paxNumber(pax: Map<string, Buffer>, key: string): number | undefined {
  const text = paxString(pax, key);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new TarFormatError(`invalid PAX ${key} ${JSON.stringify(text)}`);
  return value;
}

/**
 * Stream the entries of an uncompressed tar. PAX (local and global) and GNU
 * long names are folded into the entry; binary xattrs stay intact; uid, gid,
 * size and mtime come from PAX when present (so ids above 2097151 survive).
 * The input is read to its end so that a verifying stream under it finishes.
 */
export async function* readLayerEntries(tar: Readable, options: ReadEntriesOptions = {}): AsyncGenerator<LayerEntry> {
  const maxMeta = options.maxMetadataSize ?? 1024 * 1024;
  const iterator = tar[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const reader = new ByteReader(iterator);
  let globalPax = new Map<string, Buffer>();
  let localPax: Map<string, Buffer> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let finished = false;
  const readMeta = async (size: number): Promise<Buffer> => {
    if (size > maxMeta) throw new TarFormatError(`tar metadata record of ${size} bytes is larger than the limit ${maxMeta}`);
    const body = size === 0 ? Buffer.alloc(0) : await reader.readExact(size);
    if (body === null) throw new TruncatedLayerError();
    await reader.discard(padding(size));
    return Buffer.from(body);
  };
  try {
    for (;;) {
      if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
      const block = await reader.readExact(BLOCK);
      if (block === null) break; // no end-of-archive blocks: accepted, as GNU tar does
      if (isZeroBlock(block)) break;
      const raw = decodeHeader(block);
      switch (raw.typeflag) {
        case 'x':
          localPax = decodePax(await readMeta(raw.size));
          continue;
        case 'g':
          globalPax = new Map([...globalPax, ...decodePax(await readMeta(raw.size))]);
          continue;
        case 'L':
          longName = (await readMeta(raw.size)).toString('utf8').replace(/\0+$/, '');
          continue;
        case 'K':
          longLink = (await readMeta(raw.size)).toString('utf8').replace(/\0+$/, '');
          continue;
      }
      const pax = localPax ? new Map([...globalPax, ...localPax]) : globalPax;
      // Old tars mark directories only by a trailing slash on a typeflag NUL entry (Go reads them so too).
      const type = raw.typeflag === '\0' && raw.name.endsWith('/') ? 'dir' : entryTypeOf(raw.typeflag);
      if (type === undefined) throw new TarFormatError(`unsupported tar entry type ${JSON.stringify(raw.typeflag)} for ${raw.name}`);
      // Header-only types carry no data whatever their size field says (as Go's archive/tar reads them).
      const bodySize = type === 'file' ? (paxNumber(pax, 'size') ?? raw.size) : 0;
      const name = paxString(pax, 'path') ?? longName ?? raw.name;
      const link = paxString(pax, 'linkpath') ?? longLink ?? raw.linkname;
      let xattrs: Map<string, Buffer> | undefined;
      for (const [key, value] of pax) if (key.startsWith('SCHILY.xattr.')) (xattrs ??= new Map()).set(key.slice(13), value);
      const uname = paxString(pax, 'uname') ?? raw.uname;
      const gname = paxString(pax, 'gname') ?? raw.gname;
      localPax = undefined;
      longName = undefined;
      longLink = undefined;
      let state = 'unread' as 'unread' | 'reading' | 'done';
      const entry: LayerEntry = {
        path: normaliseEntryPath(name),
        type,
        mode: raw.mode & 0o7777,
        uid: paxNumber(pax, 'uid') ?? raw.uid,
        gid: paxNumber(pax, 'gid') ?? raw.gid,
        // Plain properties, no spreads: this runs once per entry of every layer.
        uname: uname || undefined,
        gname: gname || undefined,
        size: bodySize,
        mtime: new Date(Math.floor((paxNumber(pax, 'mtime') ?? raw.mtime) * 1000)),
        linkname: type === 'hardlink' ? normaliseEntryPath(link) : type === 'symlink' ? link : undefined,
        xattrs: xattrs ?? NO_XATTRS,
        devmajor: raw.devmajor,
        devminor: raw.devminor,
        body() {
          if (state !== 'unread') throw new OciError('ERR_OCI_INTERNAL', `body of ${name} read twice or after moving on`);
          state = 'reading';
          const chunks = reader.chunks(bodySize);
          return (async function* () {
            yield* chunks;
            state = 'done';
          })();
        },
        async readAll() {
          if (state !== 'unread') throw new OciError('ERR_OCI_INTERNAL', `body of ${name} read twice or after moving on`);
          state = 'reading';
          const bytes = bodySize === 0 ? Buffer.alloc(0) : await reader.readExact(bodySize);
          if (bytes === null) throw new TruncatedLayerError();
          state = 'done';
          return bytes;
        },
      };
      yield entry;
      // The body closure changes state while the consumer holds the entry.
      if ((state as string) === 'reading') throw new OciError('ERR_OCI_INTERNAL', `body of ${name} was not read to its end`);
      if ((state as string) === 'unread') await reader.discard(bodySize);
      await reader.discard(padding(bodySize));
    }
    finished = true;
    await reader.drain();
  } finally {
    // Stop the source without waiting: after a source error, awaiting return() can hang.
    if (!finished) iterator.return?.().catch(() => {});
  }
}
