/** An HTTP proxy for tests, between the client and the real registry, that injects faults by rule. */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction =
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'drop-mid-body' }
  | { kind: 'drop-mid-upload' }
  | { kind: 'delay'; ms: number }
  | { kind: 'throttle'; bytesPerChunk: number; pauseMs: number }
  | { kind: 'redirect'; to: (req: IncomingMessage) => string }
  /** Forward, then change the response headers (e.g. add OCI-Chunk-Min-Length, make Location relative). */
  | { kind: 'rewrite'; headers: (headers: Record<string, string | string[] | undefined>) => Record<string, string | string[] | undefined> };

export interface FaultRule {
  method?: string;
  path: RegExp;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  action: FaultAction;
}

export interface FaultProxy {
  host: string;
  rules: FaultRule[];
  /** `METHOD path -> fault` lines, for assertions. */
  log: string[];
  /** Every request that reached the proxy (method, path, headers), faulted or not. */
  seen: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  stop(): Promise<void>;
}

function forward(target: URL, req: IncomingMessage, res: ServerResponse, onResponse?: (upstream: IncomingMessage) => void, onBody?: (sent: number) => boolean): void {
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
    (up) => {
      if (onResponse) return onResponse(up);
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  let sent = 0;
  req.on('data', (chunk: Buffer) => {
    sent += chunk.length;
    if (onBody && !onBody(sent)) {
      upstream.destroy();
      req.socket.destroy();
      return;
    }
    upstream.write(chunk);
  });
  req.on('end', () => upstream.end());
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const rules: FaultRule[] = [];
  const log: string[] = [];
  const seen: FaultProxy['seen'] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ method: req.method ?? '', path, headers: req.headers });
    const rule = rules.find((r) => (r.times ?? 1) > 0 && r.path.test(path) && (!r.method || r.method === req.method));
    if (!rule) return forward(target, req, res);
    rule.times = (rule.times ?? 1) - 1;
    const action = rule.action;
    log.push(`${req.method} ${path} -> ${action.kind}${req.headers['content-length'] ? ` (${req.headers['content-length']} bytes)` : ''}`);
    switch (action.kind) {
      case 'status':
        req.resume();
        res.writeHead(action.status, { 'content-type': 'application/json', ...(action.headers ?? {}) });
        res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] }));
        return;
      case 'delay':
        setTimeout(() => forward(target, req, res), action.ms);
        return;
      case 'redirect':
        req.resume();
        res.writeHead(307, { location: action.to(req) }).end();
        return;
      case 'rewrite':
        forward(target, req, res, (up) => {
          res.writeHead(up.statusCode ?? 502, action.headers({ ...up.headers }));
          up.pipe(res);
        });
        return;
      case 'drop-mid-body':
        forward(target, req, res, (up) => {
          const total = Number(up.headers['content-length'] ?? 0);
          res.writeHead(up.statusCode ?? 502, up.headers);
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            const room = Math.floor(total / 2) - sent;
            if (room <= 0) return;
            res.write(chunk.subarray(0, room));
            sent += Math.min(room, chunk.length);
            if (sent >= Math.floor(total / 2)) {
              up.destroy();
              setTimeout(() => res.socket?.destroy(), 20);
            }
          });
        });
        return;
      case 'throttle':
        forward(target, req, res, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.on('data', (chunk: Buffer) => {
            up.pause();
            let offset = 0;
            const step = () => {
              if (offset >= chunk.length) return up.resume();
              res.write(chunk.subarray(offset, offset + action.bytesPerChunk));
              offset += action.bytesPerChunk;
              setTimeout(step, action.pauseMs);
            };
            step();
          });
          up.on('end', () => res.end());
        });
        return;
      case 'drop-mid-upload': {
        const total = Number(req.headers['content-length'] ?? 0);
        forward(target, req, res, undefined, (sent) => sent < total / 2);
        return;
      }
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    rules,
    log,
    seen,
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
