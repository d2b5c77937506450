import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bulkGet } from './bulk-get.js';
import { BulkPool } from './bulk-pool.js';
import { readBody } from './http.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((r) => server.close(() => r()));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An HTTP server; `seen` collects each request's method, URL and headers. */
async function httpServer(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: IncomingMessage[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(req);
    handle(req, res);
  });
  server.keepAliveTimeout = 1;
  return { base: await listen(server as unknown as Server), seen };
}

/** A server that writes `reply` bytes as they are, then does what `after` says. */
async function rawServer(reply: Buffer, after: (socket: Socket) => void = (s) => s.end()) {
  return listen(
    createNetServer((socket) => {
      socket.once('data', () => {
        socket.write(reply);
        after(socket);
      });
      socket.on('error', () => {});
    }),
  );
}

function collect(response: { body: NodeJS.ReadableStream }): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.body.on('data', (c: Buffer) => chunks.push(c));
    response.body.on('end', () => resolve(chunks));
    response.body.on('error', reject);
  });
}

describe('bulkGet', () => {
  it('streams a Content-Length body in 1 MiB buffers, byte for byte, and sends the caller headers', async () => {
    const blob = randomBytes(3 * 1024 * 1024 + 12345);
    const { base, seen } = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length), 'docker-content-digest': 'sha256:x' });
      res.end(blob);
    });
    const response = await bulkGet({ method: 'GET', url: `${base}/v2/a/blobs/x?q=1`, headers: { authorization: 'Basic abc', range: 'bytes=0-' } }, 'test-agent');
    expect(response.status).toBe(200);
    expect(response.header('Docker-Content-Digest')).toBe('sha256:x');
    const chunks = await collect(response);
    expect(Buffer.concat(chunks).equals(blob)).toBe(true);
    expect(chunks.length).toBe(4);
    expect(Math.max(...chunks.map((c) => c.length))).toBe(1024 * 1024);
    expect(seen[0]!.url).toBe('/v2/a/blobs/x?q=1');
    expect(seen[0]!.headers).toMatchObject({ authorization: 'Basic abc', range: 'bytes=0-', 'user-agent': 'test-agent', connection: 'close' });
    expect(seen[0]!.headers.host).toBe(new URL(base).host);
  });

  it('decodes a chunked body (an error page or a redirect) and a body ended by close', async () => {
    const { base } = await httpServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(307, { location: '/elsewhere' });
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.write('{"errors":[{"code":"BLOB_UNKNOWN",');
      setTimeout(() => res.end('"message":"blob unknown"}]}'), 10);
    });
    const missing = await bulkGet({ method: 'GET', url: `${base}/missing` }, 'ua');
    expect(missing.status).toBe(404);
    expect(missing.header('transfer-encoding')).toBe('chunked');
    expect(JSON.parse((await readBody(missing)).toString())).toEqual({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] });
    const redirect = await bulkGet({ method: 'GET', url: `${base}/redirect` }, 'ua');
    expect(redirect.status).toBe(307);
    expect(redirect.header('location')).toBe('/elsewhere');
    expect((await readBody(redirect)).length).toBe(0);

    const closeDelimited = await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\n\r\nuntil the end'));
    const response = await bulkGet({ method: 'GET', url: `${closeDelimited}/` }, 'ua');
    expect(response.header('x-a')).toBe('1, 2');
    expect((await readBody(response)).toString()).toBe('until the end');
  });

  it('skips interim answers (103 Early Hints) and reads the real one', async () => {
    const base = await rawServer(Buffer.from('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'), () => {});
    const response = await bulkGet({ method: 'GET', url: `${base}/` }, 'ua');
    expect(response.status).toBe(200);
    expect(response.header('link')).toBeNull();
    expect((await readBody(response)).toString()).toBe('hello');
  });

  it('has no body for 204 and 304, even when the server leaves the connection open', async () => {
    for (const status of [204, 304]) {
      const base = await rawServer(Buffer.from(`HTTP/1.1 ${status} Nothing\r\n\r\n`), () => {});
      const response = await bulkGet({ method: 'GET', url: `${base}/` }, 'ua');
      expect(response.status).toBe(status);
      expect((await readBody(response)).length).toBe(0);
    }
  });

  it('delivers the bytes before a cut, then fails with ECONNRESET "aborted"', async () => {
    const base = await rawServer(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'), Buffer.alloc(4000, 7)]), (socket) =>
      setTimeout(() => socket.destroy(), 20),
    );
    const response = await bulkGet({ method: 'GET', url: `${base}/` }, 'ua');
    let received = 0;
    response.body.on('data', (c: Buffer) => (received += c.length));
    const failure = await new Promise<NodeJS.ErrnoException>((resolve) => response.body.once('error', resolve));
    expect(received).toBe(4000);
    expect(failure.code).toBe('ECONNRESET');
    expect(failure.message).toBe('aborted');
  });

  it('rejects what is not HTTP, a head that never ends, a refused connection and bad header values', async () => {
    const garbage = await rawServer(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(bulkGet({ method: 'GET', url: `${garbage}/` }, 'ua')).rejects.toMatchObject({ code: 'HPE_INVALID_CONSTANT' });
    const endless = await rawServer(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n'), Buffer.alloc(70 * 1024, 0x61)]), () => {});
    await expect(bulkGet({ method: 'GET', url: `${endless}/` }, 'ua')).rejects.toMatchObject({ code: 'HPE_HEADER_OVERFLOW' });
    const hangUp = await rawServer(Buffer.from('HTTP/1.1 200'));
    await expect(bulkGet({ method: 'GET', url: `${hangUp}/` }, 'ua')).rejects.toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    await expect(bulkGet({ method: 'GET', url: 'http://127.0.0.1:1/' }, 'ua')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(bulkGet({ method: 'GET', url: `${garbage}/`, headers: { 'x-evil': 'a\r\nhost: other' } }, 'ua')).rejects.toThrow(TypeError);
  });

  it('honours an AbortSignal before the answer and while the body streams', async () => {
    const base = await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), () => {});
    const early = new AbortController();
    early.abort();
    await expect(bulkGet({ method: 'GET', url: `${base}/`, signal: early.signal }, 'ua')).rejects.toMatchObject({ name: 'AbortError' });
    const late = new AbortController();
    const response = await bulkGet({ method: 'GET', url: `${base}/`, signal: late.signal }, 'ua');
    const reading = readBody(response).catch((e: unknown) => e);
    late.abort();
    expect(await reading).toMatchObject({ name: 'AbortError' });
  });

  it('keeps every byte when the reader is slower than the socket', async () => {
    const blob = randomBytes(9 * 1024 * 1024);
    const { base } = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.end(blob);
    });
    const response = await bulkGet({ method: 'GET', url: `${base}/` }, 'ua');
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(Buffer.concat(chunks).equals(blob)).toBe(true);
  });

  it('keeps a connection for the next GET to the same host, and hands it over cleanly', async () => {
    const blobs = [randomBytes(2 * 1024 * 1024 + 7), randomBytes(3000), randomBytes(1024 * 1024)];
    let connections = 0;
    const { base, seen } = await httpServer((req, res) => {
      const blob = blobs[Number(req.url!.slice(1))]!;
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.end(blob);
    });
    servers.at(-1)!.on('connection', () => connections++);
    const pool = new BulkPool();
    try {
      for (const [i, blob] of blobs.entries()) {
        const response = await bulkGet({ method: 'GET', url: `${base}/${i}` }, 'ua', pool);
        expect((await readBody(response)).equals(blob)).toBe(true);
      }
      expect(connections).toBe(1);
      expect(seen.every((req) => req.headers.connection !== 'close')).toBe(true);
    } finally {
      pool.close();
    }
  });

  it('asks again on a new connection when the server closed the kept one, and not after a "Connection: close"', async () => {
    let connections = 0;
    const base = await listen(
      createNetServer((socket) => {
        const n = ++connections;
        let requests = 0;
        socket.on('data', () => {
          requests++;
          // The first connection answers once, then hangs up on the next request (a keep-alive timeout race).
          if (n === 1 && requests === 2) return socket.destroy();
          const close = n === 2 ? 'Connection: close\r\n' : '';
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${close}\r\nok`);
        });
        socket.on('error', () => {});
      }),
    );
    const pool = new BulkPool();
    try {
      for (let i = 0; i < 3; i++) expect((await readBody(await bulkGet({ method: 'GET', url: `${base}/${i}` }, 'ua', pool))).toString()).toBe('ok');
      // 1: answered, then cut on reuse; 2: the retry, which said close; 3: a new one for the third GET.
      expect(connections).toBe(3);
    } finally {
      pool.close();
    }
  });

  it('does not reuse a connection whose body was left unread', async () => {
    let connections = 0;
    const { base } = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(4 * 1024 * 1024) });
      res.end(Buffer.alloc(4 * 1024 * 1024));
    });
    servers.at(-1)!.on('connection', () => connections++);
    const pool = new BulkPool();
    try {
      const left = await bulkGet({ method: 'GET', url: `${base}/a` }, 'ua', pool);
      left.body.destroy();
      const read = await bulkGet({ method: 'GET', url: `${base}/b` }, 'ua', pool);
      expect((await readBody(read, 8 * 1024 * 1024)).length).toBe(4 * 1024 * 1024);
      expect(connections).toBe(2);
    } finally {
      pool.close();
    }
  });

  it('closes a kept connection after it idles, and one whose server speaks unasked', async () => {
    const closed: string[] = [];
    const base = await listen(
      createNetServer((socket) => {
        socket.on('data', (request) => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          // The /chatty server sends bytes nobody asked for once the answer is out.
          if (String(request).startsWith('GET /chatty')) setTimeout(() => socket.write('surprise'), 20);
        });
        socket.on('close', () => closed.push('closed'));
        socket.on('error', () => {});
      }),
    );
    const patient = new BulkPool(undefined, 6, 60_000);
    const hasty = new BulkPool(undefined, 6, 50);
    try {
      // Kept after /idle, reused for /chatty; the bytes that follow the answer end it (the idle timeout is a minute).
      await readBody(await bulkGet({ method: 'GET', url: `${base}/idle` }, 'ua', patient));
      await readBody(await bulkGet({ method: 'GET', url: `${base}/chatty` }, 'ua', patient));
      await new Promise((r) => setTimeout(r, 200));
      expect(closed).toHaveLength(1);
      // Kept by a pool with a 50 ms idle timeout: closed by it.
      await readBody(await bulkGet({ method: 'GET', url: `${base}/again` }, 'ua', hasty));
      await new Promise((r) => setTimeout(r, 200));
      expect(closed).toHaveLength(2);
    } finally {
      patient.close();
      hasty.close();
    }
  });
});
