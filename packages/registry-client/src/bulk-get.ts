import { Readable } from 'node:stream';
import { BulkPool, type BulkConnection } from './bulk-pool.js';
import { ChunkedDecoder } from './chunked-decoder.js';
import type { HttpRequest, HttpResponse } from './http.js';
import { abortError, connectionError, keepsAlive, parseHead, type Head } from './http-head.js';

/**
 * Body buffers: the kernel reads straight into them (net's `onread`), and a
 * full one is one chunk downstream. node:http instead allocates 64 KiB per
 * read and runs its parser, stream and event machinery on each; for a blob
 * that costs more CPU than hashing it.
 */
const BODY_CHUNK = 1024 * 1024;
/** Headers larger than this are not a registry talking. */
const MAX_HEAD = 64 * 1024;

/**
 * One GET for a big body (a blob), on a connection from `pool` (kept alive
 * for the next GET to that host) or, without a pool, on a connection of its
 * own. The same contract as node:http's path (status, headers, a streamed
 * body, Node's error codes, AbortSignal), but the body arrives in 1 MiB
 * buffers filled in place by the socket. Bodies framed by Content-Length
 * (what registries send for blobs) are zero-copy; chunked bodies and bodies
 * ended by close are decoded into the same buffers. Redirects are returned
 * to the caller. A reused connection that the server closed before answering
 * is replaced by a new one, once.
 */
export function bulkGet(request: HttpRequest, userAgent: string, pool?: BulkPool): Promise<HttpResponse> {
  const url = new URL(request.url);
  if (request.signal?.aborted) return Promise.reject(abortError(request.signal));
  const reuse = pool !== undefined;
  const connections = pool ?? new BulkPool();
  const headers: Record<string, string> = { host: url.host, 'user-agent': userAgent, ...(request.headers ?? {}), ...(reuse ? {} : { connection: 'close' }) };
  let requestHead = `GET ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n:]/.test(name) || /[\r\n]/.test(value)) return Promise.reject(new TypeError(`invalid character in HTTP header ${JSON.stringify(name)}`));
    requestHead += `${name}: ${value}\r\n`;
  }
  requestHead += '\r\n';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));

  const attempt = (connection: BulkConnection) => {
    const answered = { any: false };
    const handBack = (kept: boolean) => (kept && reuse ? connections.release(host, port, connection) : connection.socket.destroy());
    return { answered, response: exchange(connection, request, requestHead, handBack, answered) };
  };
  const first = connections.acquire(host, port);
  const { answered, response } = attempt(first);
  if (!first.reused) return response;
  return response.catch((error: unknown) => {
    // The server closed the idle connection as we asked: ask again on a new one.
    if (answered.any || request.signal?.aborted) throw error;
    return attempt(connections.acquire(host, port, true)).response;
  });
}

/** One request and its response on `connection`; `handBack(kept)` returns the connection when the exchange ends. */
function exchange(connection: BulkConnection, request: HttpRequest, requestHead: string, handBack: (kept: boolean) => void, answered: { any: boolean }): Promise<HttpResponse> {
  const signal = request.signal;
  const socket = connection.socket;
  return new Promise<HttpResponse>((resolve, reject) => {
    let head: Head | undefined;
    let headBuffer: Buffer | undefined = Buffer.allocUnsafe(MAX_HEAD);
    let headLength = 0;
    let remaining = -1;
    let chunk = Buffer.alloc(0);
    let filled = 0;
    let decoder: ChunkedDecoder | undefined;
    let scratch: Buffer | undefined;
    let ended = false;
    let overread = false;
    let released = false;

    const release = (kept: boolean) => {
      if (released) return;
      released = true;
      connection.user = undefined;
      handBack(kept);
    };

    const body = new Readable({
      highWaterMark: 4 * BODY_CHUNK,
      read() {
        // Reads stop when a buffer is refused (onread returned false, or pause()); this starts them again.
        if (!released) socket.resume();
      },
      destroy(error, callback) {
        signal?.removeEventListener('abort', onAbort);
        // A body left before its end takes its connection with it.
        release(false);
        callback(error);
      },
    });

    const fail = (error: Error) => {
      signal?.removeEventListener('abort', onAbort);
      release(false);
      if (!head) return reject(error);
      // What arrived before the cut goes out first: a resuming reader asks only for the rest.
      if (!ended && !body.destroyed) flush();
      ended = true;
      body.destroy(error);
    };
    const onAbort = () => fail(abortError(signal as AbortSignal));
    signal?.addEventListener('abort', onAbort, { once: true });

    const newChunk = () => {
      // Chunked bodies are error pages and redirects in practice: small buffers.
      const size = decoder ? 64 * 1024 : BODY_CHUNK;
      chunk = Buffer.allocUnsafeSlow(remaining >= 0 ? Math.min(size, remaining) : size);
      filled = 0;
    };
    const flush = () => {
      if (filled === 0) return true;
      const full = chunk.subarray(0, filled);
      filled = 0;
      return body.push(full);
    };
    const finish = () => {
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      // Kept for the next GET when the body was framed by its length, read exactly, and the server keeps the connection.
      release(remaining === 0 && !overread && keepsAlive(head as Head));
      flush();
      body.push(null);
    };

    /** Body bytes not read in place (after the head, or decoded from chunks): copied into the current buffer. */
    const take = (bytes: Buffer): boolean => {
      let more = true;
      let rest = bytes;
      while (rest.length > 0) {
        if (filled === chunk.length) {
          more = flush() && more;
          newChunk();
        }
        const n = rest.copy(chunk, filled);
        filled += n;
        rest = rest.subarray(n);
      }
      return more;
    };

    const bodyBytes = (bytes: Buffer): boolean => {
      if (decoder) {
        let payload: Buffer;
        try {
          payload = decoder.push(bytes);
        } catch (error) {
          fail(error as Error);
          return false;
        }
        const more = take(payload);
        if (decoder.done) finish();
        return more;
      }
      return take(bytes);
    };

    const startBody = (rest: Buffer) => {
      const h = head as Head;
      const bodiless = h.status === 204 || h.status === 304;
      if (/\bchunked\b/i.test(h.headers.get('transfer-encoding') ?? '')) decoder = new ChunkedDecoder();
      else remaining = bodiless ? 0 : h.length;
      resolve({ status: h.status, url: request.url, header: (name) => h.headers.get(name.toLowerCase()) ?? null, body });
      newChunk();
      overread = remaining >= 0 && rest.length > remaining;
      if (remaining === 0) return finish();
      const taken = remaining > 0 ? rest.subarray(0, remaining) : rest;
      if (remaining > 0) remaining -= taken.length;
      if (!bodyBytes(taken)) socket.pause();
      if (remaining === 0) finish();
    };

    const onHead = (n: number): boolean => {
      answered.any = true;
      headLength += n;
      const buffer = headBuffer as Buffer;
      let from = Math.max(0, headLength - n - 3);
      for (;;) {
        const end = buffer.subarray(0, headLength).indexOf('\r\n\r\n', from, 'latin1');
        if (end < 0) {
          if (headLength === MAX_HEAD) fail(connectionError('HTTP response head too large', 'HPE_HEADER_OVERFLOW'));
          return true;
        }
        let parsed: Head;
        try {
          parsed = parseHead(buffer.toString('latin1', 0, end));
        } catch (error) {
          fail(error as Error);
          return false;
        }
        if (parsed.status >= 200) {
          head = parsed;
          headBuffer = undefined;
          // The rest of this read is body; the head buffer is not read into again, so no copy is needed.
          startBody(buffer.subarray(end + 4, headLength));
          return true;
        }
        // An interim answer (103 Early Hints, 100 Continue): dropped; the real head follows.
        buffer.copyWithin(0, end + 4, headLength);
        headLength -= end + 4;
        from = 0;
      }
    };

    // Where the next read lands: the head buffer, the free end of the body buffer, or scratch for chunked framing.
    const target = (): Uint8Array => {
      if (headBuffer) return headBuffer.subarray(headLength);
      if (decoder) return (scratch ??= Buffer.allocUnsafe(64 * 1024));
      if (filled === chunk.length) newChunk();
      const room = chunk.length - filled;
      return chunk.subarray(filled, filled + (remaining >= 0 ? Math.min(room, remaining) : room));
    };

    const onRead = (n: number, buffer: Uint8Array): boolean => {
      if (ended) return true;
      if (headBuffer) {
        // The first read of an exchange may land in the connection's idle buffer (it was asked for
        // before this exchange held the connection): those bytes are copied where the head goes.
        const inPlace = buffer.buffer === headBuffer.buffer && buffer.byteOffset === headBuffer.byteOffset + headLength;
        return onHead(inPlace ? n : Buffer.from(buffer.buffer, buffer.byteOffset, n).copy(headBuffer, headLength));
      }
      if (decoder) return bodyBytes(Buffer.from(buffer.buffer, buffer.byteOffset, n));
      filled += n;
      if (remaining > 0) remaining -= n;
      if (remaining === 0) {
        // Reads go on: a connection kept for the next GET must notice when the server closes it.
        finish();
        return true;
      }
      if (filled < chunk.length) return true;
      const more = flush();
      newChunk();
      return more;
    };

    /** The peer closed: a body ended by close (no length, not chunked) is complete; anything else was cut. */
    const onEof = () => {
      if (ended || body.destroyed) return;
      if (head && remaining < 0 && !decoder) return finish();
      fail(connectionError(head ? 'aborted' : 'socket hang up'));
    };

    connection.user = { target, onRead, onEof, onError: fail };
    socket.write(requestHead, 'latin1');
  });
}
