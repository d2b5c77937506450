import { connect, type OnReadOpts, type Socket } from 'node:net';

/** Opens a connection for bulk GETs: plain TCP, or TLS (tls.connect takes `onread` too). */
export type BulkConnect = (host: string, port: number, onread: OnReadOpts) => Socket;

export const plainConnect: BulkConnect = (host, port, onread) => connect({ host, port, onread });

/** The exchange that owns a connection: where its reads land and what its socket's events mean. */
export interface ConnectionUser {
  target(): Uint8Array;
  onRead(n: number, buffer: Uint8Array): boolean;
  onEof(): void;
  onError(error: Error): void;
}

/** Where an idle connection's reads land: a server that speaks unasked is not kept. */
const IDLE_TARGET = new Uint8Array(1024);
/** An idle connection is closed after this long (servers close theirs after 5 s to minutes). */
const IDLE_TIMEOUT_MS = 15_000;

/**
 * One keep-alive connection whose reads go (in place, `onread`) to whichever
 * exchange holds it. Idle, it still reads, so a server's close is noticed at
 * once and the connection leaves the pool.
 */
export class BulkConnection {
  user: ConnectionUser | undefined;
  /** It served an exchange before: the server may have closed it while idle. */
  reused = false;
  readonly socket: Socket;

  constructor(open: BulkConnect, host: string, port: number, private readonly onGone: (connection: BulkConnection) => void) {
    this.socket = open(host, port, {
      buffer: () => this.user?.target() ?? IDLE_TARGET,
      callback: (n, buffer) => {
        if (this.user) return this.user.onRead(n, buffer);
        this.drop();
        return false;
      },
    });
    this.socket.setNoDelay(true);
    this.socket.on('error', (error) => (this.user ? this.user.onError(error) : this.drop()));
    this.socket.on('end', () => (this.user ? this.user.onEof() : this.drop()));
    this.socket.on('close', () => (this.user ? this.user.onEof() : this.drop()));
    this.socket.on('timeout', () => {
      if (!this.user) this.drop();
    });
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  private drop(): void {
    this.socket.destroy();
    this.onGone(this);
  }
}

/**
 * Idle bulk connections per host, so consecutive blob GETs to one registry
 * reuse a connection (and its TLS session) as node:http's agent does. Idle
 * connections do not keep the process alive.
 */
export class BulkPool {
  private readonly idle = new Map<string, BulkConnection[]>();

  constructor(
    readonly connect: BulkConnect = plainConnect,
    private readonly maxIdlePerHost = 6,
    private readonly idleTimeoutMs = IDLE_TIMEOUT_MS,
  ) {}

  /** An idle connection to host:port if one is left, else a new one (always new with `fresh`). */
  acquire(host: string, port: number, fresh = false): BulkConnection {
    const key = `${host}:${port}`;
    const list = fresh ? undefined : this.idle.get(key);
    for (let connection = list?.pop(); connection; connection = list?.pop()) {
      if (!connection.usable) continue;
      connection.socket.setTimeout(0);
      connection.socket.ref();
      connection.socket.resume();
      connection.reused = true;
      return connection;
    }
    return new BulkConnection(this.connect, host, port, (gone) => this.forget(key, gone));
  }

  /** Back after an exchange read its response to the end: kept for the next one, or closed. */
  release(host: string, port: number, connection: BulkConnection): void {
    connection.user = undefined;
    const key = `${host}:${port}`;
    const list = this.idle.get(key) ?? [];
    if (!connection.usable || list.length >= this.maxIdlePerHost) {
      connection.socket.destroy();
      return;
    }
    connection.socket.resume();
    connection.socket.setTimeout(this.idleTimeoutMs);
    connection.socket.unref();
    list.push(connection);
    this.idle.set(key, list);
  }

  /** Close every idle connection. */
  close(): void {
    for (const list of this.idle.values()) for (const connection of list) connection.socket.destroy();
    this.idle.clear();
  }

  private forget(key: string, connection: BulkConnection): void {
    const list = this.idle.get(key);
    const at = list?.indexOf(connection) ?? -1;
    if (at >= 0) list?.splice(at, 1);
  }
}
