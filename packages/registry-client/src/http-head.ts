/** An HTTP/1.x response head, as bulkGet reads it. */
export interface Head {
  status: number;
  /** HTTP/1.0 closes after each response unless told otherwise. */
  version: '1.0' | '1.1';
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** Content-Length, or -1 when absent. */
  length: number;
}

/** An error shaped like Node's own socket and parser errors, so networkError() classifies it alike. */
export function connectionError(message: string, code = 'ECONNRESET'): Error {
  return Object.assign(new Error(message), { code });
}

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('This operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** Parse a response head (status line and header lines, without the blank line). */
export function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
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
  return { status: Number(status[2]), version: status[1] === '0' ? '1.0' : '1.1', headers, length };
}

/** May the connection serve another request after this response (read to its end)? */
export function keepsAlive(head: Head): boolean {
  const connection = head.headers.get('connection')?.toLowerCase() ?? '';
  return head.version === '1.1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
}
