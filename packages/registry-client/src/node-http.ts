import type { Agent as HttpAgent, ClientRequest, IncomingMessage, OutgoingHttpHeaders, RequestOptions } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { BulkConnect, BulkPool } from './bulk-pool.js';
import { secureAgentOptions, type HttpFetch, type HttpRequest, type HttpResponse, type NodeFetchOptions } from './http.js';

type Send = (url: URL, options: RequestOptions) => ClientRequest;

const USER_AGENT = 'ocikit-registry-client';

/** Sockets read in 64 KiB steps; a larger buffer pauses the socket less often while a disk write is pending. */
const SOCKET_HIGH_WATER_MARK = 1024 * 1024;

function responseOf(res: IncomingMessage, url: string): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    url,
    header(name) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
    body: res,
  };
}

/**
 * HttpFetch on node:http and node:https directly, the default HTTP layer:
 * the response body is the socket's own IncomingMessage (no extra stream
 * stage per chunk), keep-alive agents per protocol, node:http, node:https and
 * the bulk path loaded only when first used (a local-only copy loads none), redirects returned to the caller, no
 * decompression (registries send blobs as stored; we digest what we get).
 * Errors are Node's own system and TLS errors (ECONNRESET, ECONNREFUSED,
 * DEPTH_ZERO_SELF_SIGNED_CERT...), which networkError() classifies; a socket
 * dropped mid-body fails the body stream with ECONNRESET "aborted".
 */
export function nodeHttp(options: NodeFetchOptions = {}): HttpFetch & { close(): void } {
  const maxSockets = options.maxSockets ?? 16;
  let plain: Promise<{ send: Send; agent: HttpAgent }> | undefined;
  let secure: Promise<{ send: Send; agent: HttpsAgent; bulk: BulkPool }> | undefined;
  let plainBulk: BulkPool | undefined;
  const loadBulk = () => Promise.all([import('./bulk-get.js'), import('./bulk-pool.js')]);

  const loadSecure = () => {
    secure ??= Promise.all([import('node:https'), import('node:tls'), import('node:net'), loadBulk()]).then(([https, tls, net, [, { BulkPool }]]) => {
      const tlsOptions = secureAgentOptions(tls, options);
      // Resuming the last TLS session to a host spares a new bulk connection the full handshake.
      const sessions = new Map<string, Buffer>();
      const connect: BulkConnect = (host, port, onread) => {
        const key = `${host}:${port}`;
        const session = sessions.get(key);
        const socket = tls.connect({
          host,
          port,
          ...(net.isIP(host) ? {} : { servername: host }),
          ALPNProtocols: ['http/1.1'],
          ...tlsOptions,
          ...(session ? { session } : {}),
          onread,
        } as import('node:tls').ConnectionOptions);
        socket.on('session', (next: Buffer) => sessions.set(key, next));
        return socket;
      };
      return {
        send: https.request,
        bulk: new BulkPool(connect),
        agent: new https.Agent({ keepAlive: true, maxSockets, highWaterMark: SOCKET_HIGH_WATER_MARK, ...tlsOptions } as ConstructorParameters<typeof https.Agent>[0]),
      };
    });
    return secure;
  };

  const transportFor = async (url: URL): Promise<{ send: Send; agent: HttpAgent | HttpsAgent }> => {
    if (url.protocol === 'https:') return loadSecure();
    if (url.protocol !== 'http:') throw new TypeError(`unsupported URL scheme ${url.protocol}`);
    plain ??= import('node:http').then((http) => ({
      send: http.request,
      agent: new http.Agent({ keepAlive: true, maxSockets, highWaterMark: SOCKET_HIGH_WATER_MARK } as ConstructorParameters<typeof http.Agent>[0]),
    }));
    return plain;
  };

  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    const url = new URL(request.url);
    if (request.bulk && request.method === 'GET' && request.body === undefined) {
      const [{ bulkGet }, { BulkPool }] = await loadBulk();
      if (url.protocol === 'http:') return bulkGet(request, USER_AGENT, (plainBulk ??= new BulkPool()));
      if (url.protocol === 'https:') return bulkGet(request, USER_AGENT, (await loadSecure()).bulk);
    }
    const { send: open, agent } = await transportFor(url);
    const headers: OutgoingHttpHeaders = { 'user-agent': USER_AGENT, ...(request.headers ?? {}) };
    const body = request.body;
    if (Buffer.isBuffer(body) && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = body.length;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = open(url, { method: request.method, headers, agent, ...(request.signal ? { signal: request.signal } : {}) });
      // Kept for the whole exchange: once the response is out, failures surface on its body.
      req.on('error', reject);
      req.once('response', (res) => resolve(responseOf(res, request.url)));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.once('error', (error) => req.destroy(error));
        body.pipe(req);
      }
    });
  };

  return Object.assign(send, {
    close() {
      void plain?.then(({ agent }) => agent.destroy());
      plainBulk?.close();
      void secure?.then(
        ({ agent, bulk }) => {
          agent.destroy();
          bulk.close();
        },
        () => {},
      );
    },
  });
}
