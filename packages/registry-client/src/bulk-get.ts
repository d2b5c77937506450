import { connect, type OnReadOpts, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { HttpRequest, HttpResponse } from './http.js';
import { ChunkedDecoder } from './chunked-decoder.js';

/**
 * Body buffers: the kernel reads straight into them (net's `onread`), and a
 * full one is one chunk downstream. node:http instead allocates 64 KiB per
 * read and runs its parser, stream and event machinery on each; for a blob
 * that costs more CPU than hashing it.
 */
const BODY_CHUNK = 1024 * 1024;
/** Headers larger than this are not a registry talking. */
const MAX_HEAD = 64 * 1024;

/** Opens the connection a bulk GET reads from: plain TCP, or TLS (tls.connect takes `onread` too). */
export type BulkConnect = (host: string, port: number, onread: OnReadOpts) => Socket;

const plainConnect: BulkConnect = (host, port, onread) => connect({ host, port, onread });

function connectionError(message: string, code = 'ECONNRESET'): Error {
  return Object.assign(new Error(message), { code });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('This operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

interface Head {
  status: number;
  headers: Map<string, string>;
  length: number;
}

function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!status) throw connectionError(`malformed HTTP status line`, 'HPE_INVALID_CONSTANT');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw connectionError('malformed HTTP header', 'HPE_INVALID_HEADER_TOKEN');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  const declared = headers.get('content-length');
  const length = declared === undefined ? -1 : Number(declared);
  if (declared !== undefined && !(Number.isSafeInteger(length) && length >= 0)) throw connectionError('malformed Content-Length', 'HPE_INVALID_CONTENT_LENGTH');
  return { status: Number(status[1]), headers, length };
}

/**
 * One GET over its own plain-HTTP connection, for a big body (a blob). The
 * same contract as node:http's path (status, headers, a streamed body, Node's
 * error codes, AbortSignal), but the body arrives in 1 MiB buffers filled in
 * place by the socket. Bodies framed by Content-Length (what registries send
 * for blobs) are zero-copy; chunked bodies and bodies ended by close are
 * decoded into the same buffers. Redirects are returned to the caller.
 */
export function bulkGet(request: HttpRequest, userAgent: string, open: BulkConnect = plainConnect): Promise<HttpResponse> {
  const url = new URL(request.url);
  const signal = request.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const headers: Record<string, string> = { host: url.host, 'user-agent': userAgent, ...(request.headers ?? {}), connection: 'close' };
  let requestHead = `GET ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n:]/.test(name) || /[\r\n]/.test(value)) return Promise.reject(new TypeError(`invalid character in HTTP header ${JSON.stringify(name)}`));
    requestHead += `${name}: ${value}\r\n`;
  }
  requestHead += '\r\n';
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

    const body = new Readable({
      highWaterMark: 4 * BODY_CHUNK,
      read() {
        // Reads stop when a buffer is refused (onread returned false, or pause()); this starts them again.
        socket.resume();
      },
      destroy(error, done) {
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        done(error);
      },
    });

    const fail = (error: Error) => {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
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
      flush();
      signal?.removeEventListener('abort', onAbort);
      body.push(null);
      socket.destroy();
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
      if (remaining === 0) return finish();
      const taken = remaining > 0 ? rest.subarray(0, remaining) : rest;
      if (remaining > 0) remaining -= taken.length;
      if (!bodyBytes(taken)) socket.pause();
      if (remaining === 0) finish();
    };

    const onHead = (n: number): boolean => {
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
      if (ended || n <= 0) return true;
      if (headBuffer) return onHead(n);
      if (decoder) return bodyBytes(Buffer.from(buffer.buffer, buffer.byteOffset, n));
      filled += n;
      if (remaining > 0) remaining -= n;
      if (remaining === 0) {
        finish();
        return false;
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

    const defaultPort = url.protocol === 'https:' ? 443 : 80;
    const socket: Socket = open(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || defaultPort), { buffer: target, callback: onRead });
    socket.setNoDelay(true);
    socket.on('error', (error) => fail(error));
    socket.once('end', onEof);
    socket.once('close', onEof);
    socket.write(requestHead, 'latin1');
  });
}
