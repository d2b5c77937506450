import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';

/** One HTTP request; redirects are NOT followed here (the client follows them, dropping credentials across hosts). */
export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal;
  /** A big body the caller streams (a blob): the HTTP layer may take a leaner path for it. */
  bulk?: boolean;
}

export interface HttpResponse {
  status: number;
  url: string;
  header(name: string): string | null;
  /** The body as a stream (empty for HEAD). Must be consumed or destroyed. */
  body: Readable;
}

/** The small HTTP interface everything in this package uses; tests may pass their own. */
export type HttpFetch = (request: HttpRequest) => Promise<HttpResponse>;

export interface NodeFetchOptions {
  /** Verify TLS certificates (default true). */
  tlsVerify?: boolean;
  /** Extra CA certificates (PEM), added to Node's own roots. */
  ca?: Buffer[];
  /** Client certificate and key (PEM). */
  cert?: Buffer;
  key?: Buffer;
  /** Sockets per host (default 16). */
  maxSockets?: number;
}

/**
 * TLS options for an https.Agent: one SecureContext for every connection.
 * Given `ca`, `cert` or `key`, an Agent would otherwise build a context per
 * socket, parsing Node's ~140 root certificates again each time (15 ms per
 * connection here); extra CAs are added to those roots, as skopeo's
 * --cert-dir does.
 */
export function secureAgentOptions(tls: typeof import('node:tls'), options: NodeFetchOptions): { rejectUnauthorized: boolean; secureContext?: import('node:tls').SecureContext } {
  const rejectUnauthorized = options.tlsVerify !== false;
  if (!options.ca?.length && !options.cert && !options.key) return { rejectUnauthorized };
  const secureContext = tls.createSecureContext({
    ...(options.ca?.length ? { ca: [...tls.rootCertificates, ...options.ca.map((c) => c.toString('utf8'))] } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    ...(options.key ? { key: options.key } : {}),
  });
  return { rejectUnauthorized, secureContext };
}

/**
 * node-fetch 3 behind HttpFetch: keep-alive agents (one per protocol), TLS
 * options on the https agent, manual redirects, streamed bodies both ways.
 */
export function nodeFetch(options: NodeFetchOptions = {}): HttpFetch & { close(): void } {
  let agents: Promise<{ http: HttpAgent; https: HttpsAgent }> | undefined;
  const loadAgents = () => {
    agents ??= Promise.all([import('node:http'), import('node:https'), import('node:tls')]).then(([http, https, tls]) => ({
      http: new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 }),
      https: new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16, ...secureAgentOptions(tls, options) }),
    }));
    return agents;
  };
  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    const [{ default: fetch }, { http, https }] = await Promise.all([import('node-fetch'), loadAgents()]);
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers ?? {},
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      compress: false,
      // node-fetch buffers bodies in 16 KiB steps by default: four times slower on big blobs.
      highWaterMark: 1024 * 1024,
      agent: (url: URL) => (url.protocol === 'https:' ? https : http),
      ...(request.signal ? { signal: request.signal as never } : {}),
    });
    return {
      status: response.status,
      url: request.url,
      header: (name) => response.headers.get(name),
      body: response.body as unknown as Readable,
    };
  };
  return Object.assign(send, {
    close() {
      void agents?.then(({ http, https }) => {
        http.destroy();
        https.destroy();
      });
    },
  });
}

/** A body over the limit we read into memory: the server is broken or hostile; not worth retrying. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
  }
}

/** Read a (small) response body, with a size bound so a hostile server cannot fill memory. */
export async function readBody(response: HttpResponse, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      response.body.destroy();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Drop a body we do not need, so the socket can be reused. */
export function discardBody(response: HttpResponse): void {
  response.body.on('error', () => {});
  response.body.resume();
}
