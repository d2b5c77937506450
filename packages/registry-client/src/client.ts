import { AbortedError, OciError, type Logger } from '@ocikit/oci-image';
import type { Readable } from 'node:stream';
import { Authenticator } from './auth/authenticator.js';
import { parseChallenges } from './auth/challenge.js';
import type { Credentials } from './auth/credentials.js';
import { errorForStatus, networkError, RegistryError, redactUrl } from './errors.js';
import { BodyTooLargeError, discardBody, readBody, type HttpFetch, type HttpResponse } from './http.js';
import { apiHost } from './reference.js';
import { backoffDelay, DEFAULT_ATTEMPTS, parseRetryAfter, sleep, type RetryOptions } from './retry.js';

export interface RegistryClientOptions {
  /** host[:port] as in references (docker.io maps to its API host). */
  registry: string;
  fetch: HttpFetch;
  /** Credentials for this registry, optionally for one repository of it. */
  credentials?: (repository?: string) => Promise<Credentials | undefined>;
  /** Allow plain HTTP after HTTPS fails (tls-verify=false, or a localhost registry). */
  allowHttp?: boolean;
  retry?: RetryOptions;
  logger?: Logger;
}

export interface RegistryRequest {
  method: string;
  /** A path below the registry (/v2/...) or an absolute URL (upload locations, Link pages). */
  path: string;
  headers?: Record<string, string>;
  /** A Buffer may be sent again on retry; a stream only once. */
  body?: Buffer | Readable;
  /** Token scopes, e.g. repository:a/b:pull. */
  scopes: readonly string[];
  /** Statuses that count as success; others become RegistryError. */
  expect: readonly number[];
  signal?: AbortSignal | undefined;
  /** A blob body the caller streams (see HttpRequest.bulk). */
  bulk?: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** True for registries on this machine, where plain HTTP is allowed as docker allows it. */
export function isLocalRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * The HTTP core of the distribution API for one registry: finds the scheme
 * (HTTPS first), authenticates, follows redirects without leaking
 * credentials to other hosts, and retries what can be retried.
 */
export class RegistryClient {
  readonly registry: string;
  readonly auth: Authenticator;
  private base: Promise<string> | undefined;
  private readonly fetch: HttpFetch;

  constructor(private readonly options: RegistryClientOptions) {
    this.registry = options.registry;
    this.fetch = options.fetch;
    this.auth = new Authenticator(options.fetch, options.credentials ?? (async () => undefined));
  }

  /** Base URL (scheme://host), found once by pinging /v2/. */
  baseUrl(signal?: AbortSignal): Promise<string> {
    this.base ??= this.ping(signal);
    this.base.catch(() => (this.base = undefined));
    return this.base;
  }

  private async ping(signal?: AbortSignal): Promise<string> {
    const host = apiHost(this.registry);
    // HTTPS first, as skopeo does; but a registry on this machine is asked in
    // plain HTTP first: nothing leaves the host, and loading TLS only to fail
    // a handshake cost more than the rest of a small pull.
    const schemes = !this.options.allowHttp ? ['https'] : isLocalRegistry(this.registry) ? ['http', 'https'] : ['https', 'http'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const url = `${scheme}://${host}/v2/`;
      try {
        const response = await this.withRetry('GET', url, signal, () => this.fetch({ method: 'GET', url, ...(signal ? { signal } : {}) }));
        discardBody(response);
        if (scheme === 'http' && response.status === 400 && scheme !== schemes.at(-1)) {
          // "client sent an HTTP request to an HTTPS server"
          lastError = errorForStatus('GET', url, response.status, '');
          continue;
        }
        if (response.status === 401) {
          this.auth.setChallenge(parseChallenges(response.header('www-authenticate'))[0]);
        } else if (response.status !== 200 && response.status !== 404) {
          throw errorForStatus('GET', url, response.status, '');
        }
        this.options.logger?.debug?.(`registry ${this.registry} answers on ${scheme}`);
        return `${scheme}://${host}`;
      } catch (error) {
        lastError = error;
        if (!(error instanceof RegistryError) || error.code !== 'ERR_REGISTRY_NETWORK') throw error;
      }
    }
    throw lastError;
  }

  /** Run one exchange with retries on network errors, 5xx and 429 (honouring Retry-After). */
  private async withRetry(method: string, url: string, signal: AbortSignal | undefined, send: () => Promise<HttpResponse>, replayable = true): Promise<HttpResponse> {
    const attempts = replayable ? (this.options.retry?.attempts ?? DEFAULT_ATTEMPTS) : 1;
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse | undefined;
      let failure: RegistryError | undefined;
      try {
        response = await send();
      } catch (error) {
        if (signal?.aborted) throw new AbortedError(signal.reason);
        if (error instanceof OciError) throw error;
        failure = networkError(method, url, error);
      }
      const retryableStatus = response && (response.status === 429 || response.status >= 500);
      if (response && !retryableStatus) return response;
      if (attempt >= attempts || (failure && !failure.retryable)) {
        if (failure) throw failure;
        return response as HttpResponse;
      }
      const retryAfter = response ? parseRetryAfter(response.header('retry-after')) : undefined;
      if (response) discardBody(response);
      const delay = backoffDelay(attempt, this.options.retry, retryAfter);
      this.options.logger?.debug?.(`${method} ${redactUrl(url)}: ${response ? `HTTP ${response.status}` : failure?.message}; retry ${attempt} in ${delay} ms`);
      await sleep(delay, signal);
    }
  }

  private resolve(path: string, base: string): string {
    return /^https?:\/\//.test(path) ? path : new URL(path, base).toString();
  }

  /** Send a request: authorization, redirects (no credentials to another host), retries, one refresh on 401. */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const early = this.base === undefined ? this.sendEarly(req) : undefined;
    const base = await this.baseUrl(req.signal);
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    let refreshed = false;
    let scopes = req.scopes;
    let answered = early ? await this.takeEarly(early, base) : undefined;
    for (;;) {
      const url = this.resolve(req.path, base);
      const authorization = answered ? undefined : await this.auth.header(scopes, req.signal);
      const response = answered ?? (await this.withRetry(req.method, url, req.signal, () => this.follow(req, url, authorization), replayable));
      answered = undefined;
      if (response.status === 401 && !refreshed && replayable) {
        refreshed = true;
        discardBody(response);
        const challenge = parseChallenges(response.header('www-authenticate'))[0];
        this.auth.setChallenge(challenge);
        this.auth.invalidate(scopes);
        if (challenge?.params.scope) scopes = [...new Set([...scopes, ...challenge.params.scope.split(' ')])];
        continue;
      }
      if (req.expect.includes(response.status)) return response;
      const body = req.method === 'HEAD' ? '' : (await readBody(response, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
      if (req.method === 'HEAD') discardBody(response);
      throw errorForStatus(req.method, url, response.status, body);
    }
  }

  /**
   * The first request to a registry on this machine goes out over plain HTTP
   * while the ping finds the scheme, saving a round trip on short commands
   * such as inspect. Only bodiless requests, without credentials (none are
   * known before the ping's challenge).
   */
  private sendEarly(req: RegistryRequest): Promise<HttpResponse | undefined> | undefined {
    if (req.body !== undefined || !this.options.allowHttp || !isLocalRegistry(this.registry)) return undefined;
    const url = this.resolve(req.path, `http://${apiHost(this.registry)}`);
    return this.withRetry(req.method, url, req.signal, () => this.follow(req, url, undefined)).catch(() => undefined);
  }

  /** The early answer, if the ping chose plain HTTP and no credentials were wanted; else it is dropped. */
  private async takeEarly(early: Promise<HttpResponse | undefined>, base: string): Promise<HttpResponse | undefined> {
    if (!base.startsWith('http:')) {
      void early.then((response) => response && discardBody(response));
      return undefined;
    }
    const response = await early;
    if (response && (response.status === 401 || response.status === 400)) {
      discardBody(response);
      return undefined;
    }
    return response;
  }

  private async follow(req: RegistryRequest, startUrl: string, authorization: string | undefined): Promise<HttpResponse> {
    let url = startUrl;
    const origin = new URL(startUrl).host;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      // Credentials go to the registry host only; a redirect to a CDN gets none.
      if (authorization && new URL(url).host === origin) headers.authorization = authorization;
      const response = await this.fetch({
        method: req.method,
        url,
        headers,
        ...(req.body !== undefined && hop === 0 ? { body: req.body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.bulk ? { bulk: true } : {}),
      });
      const location = response.header('location');
      const isRedirect = REDIRECTS.has(response.status) && location && (req.method === 'GET' || req.method === 'HEAD');
      if (!isRedirect) return response;
      discardBody(response);
      url = new URL(location, url).toString();
    }
    throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${req.method} ${redactUrl(startUrl)}: more than ${MAX_REDIRECTS} redirects`);
  }

  /**
   * GET a small body whole. A connection that breaks while the body is read
   * (node:http reports ECONNRESET "aborted", node-fetch "Premature close")
   * is retried like any network error.
   */
  async getBytes(req: Omit<RegistryRequest, 'method'>, limit = 8 * 1024 * 1024): Promise<{ bytes: Buffer; response: HttpResponse }> {
    const attempts = this.options.retry?.attempts ?? DEFAULT_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      const response = await this.request({ ...req, method: 'GET' });
      try {
        return { bytes: await readBody(response, limit), response };
      } catch (error) {
        if (req.signal?.aborted) throw new AbortedError(req.signal.reason);
        if (error instanceof BodyTooLargeError) {
          throw new RegistryError('ERR_REGISTRY_PROTOCOL', `GET ${redactUrl(response.url)}: ${error.message}`, { cause: error });
        }
        const failure = networkError('GET', response.url, error);
        if (attempt >= attempts || !failure.retryable) throw failure;
        this.options.logger?.debug?.(`${failure.message}; retry ${attempt}`);
        await sleep(backoffDelay(attempt, this.options.retry), req.signal);
      }
    }
  }

  /** GET and parse a small JSON document. */
  async getJson<T>(req: Omit<RegistryRequest, 'method' | 'expect'>): Promise<{ doc: T; response: HttpResponse }> {
    const { bytes, response } = await this.getBytes({ ...req, expect: [200] });
    try {
      return { doc: JSON.parse(bytes.toString('utf8')) as T, response };
    } catch (error) {
      throw new RegistryError('ERR_REGISTRY_PROTOCOL', `GET ${redactUrl(response.url)}: response is not JSON`, { cause: error });
    }
  }
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}
export function deleteScope(repository: string): string {
  return `repository:${repository}:delete`;
}
