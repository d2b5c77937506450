/** Longest chunk-size line (with extensions) or trailer line we accept. */
const MAX_LINE = 4096;

function framingError(message: string): Error {
  return Object.assign(new Error(`invalid chunked encoding: ${message}`), { code: 'HPE_INVALID_CHUNK_SIZE' });
}

/**
 * HTTP/1.1 chunked transfer coding (RFC 9112, section 7.1), fed in pieces as
 * they come off the socket. push() returns the payload bytes found in the
 * piece; `done` turns true after the last chunk and its trailers. Bytes after
 * the end are ignored (the connection is closed after one response).
 */
export class ChunkedDecoder {
  done = false;
  private state: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  private line = '';
  private left = 0;

  push(bytes: Buffer): Buffer {
    const out: Buffer[] = [];
    let at = 0;
    while (at < bytes.length && !this.done) {
      if (this.state === 'data') {
        const n = Math.min(this.left, bytes.length - at);
        out.push(bytes.subarray(at, at + n));
        at += n;
        this.left -= n;
        if (this.left === 0) this.state = 'data-end';
        continue;
      }
      const newline = bytes.indexOf(10, at);
      const end = newline < 0 ? bytes.length : newline;
      this.line += bytes.toString('latin1', at, end);
      if (this.line.length > MAX_LINE) throw framingError('line too long');
      at = end + 1;
      if (newline < 0) break;
      this.endOfLine(this.line.replace(/\r$/, ''));
      this.line = '';
    }
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  private endOfLine(line: string): void {
    if (this.state === 'data-end') {
      if (line !== '') throw framingError('missing CRLF after chunk data');
      this.state = 'size';
    } else if (this.state === 'size') {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (!size) throw framingError(`bad chunk size line`);
      this.left = parseInt(size[1] as string, 16);
      this.state = this.left === 0 ? 'trailer' : 'data';
    } else if (line === '') {
      this.done = true;
    }
  }
}
