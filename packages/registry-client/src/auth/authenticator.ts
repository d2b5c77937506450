import { RegistryError, errorForStatus, networkError, redactUrl } from '../errors.js';
import { readBody, type HttpFetch } from '../http.js';
import type { Challenge } from './challenge.js';
import type { Credentials } from './credentials.js';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Authorization for one registry: basic, or bearer tokens from the challenge's
 * realm, cached per scope set and refreshed before they expire.
 */
export class Authenticator {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly fetch: HttpFetch,
    /** Credentials for a repository (auth files may hold repository-scoped entries). */
    private readonly credentials: (repository?: string) => Promise<Credentials | undefined>,
  ) {}

  /** Remember how the registry wants us to authenticate (from a 401 or the ping). */
  setChallenge(challenge: Challenge | undefined): void {
    if (challenge) this.challenge = challenge;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** The Authorization header for these scopes, or undefined when anonymous access is all we know. */
  async header(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') {
      const creds = await this.credentials(repositoryOf(scopes));
      return creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
    }
    if (this.challenge.scheme === 'bearer') {
      const token = await this.token(scopes, signal);
      return `Bearer ${token.token}`;
    }
    return undefined;
  }

  /** After a 401: forget the token for these scopes; the caller asks again with the challenge's scopes. */
  invalidate(scopes: readonly string[]): void {
    this.tokens.delete(scopeKey(scopes));
  }

  private token(scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached) {
      return cached.then((t) => {
        if (t.expiresAt > Date.now() + 5000) return t;
        this.tokens.delete(key);
        return this.token(scopes, signal);
      });
    }
    const pending = this.fetchToken(scopes, signal);
    this.tokens.set(key, pending);
    pending.catch(() => this.tokens.delete(key));
    return pending;
  }

  private async fetchToken(scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    const params = this.challenge?.params ?? {};
    if (!params.realm) throw new RegistryError('ERR_REGISTRY_PROTOCOL', 'bearer challenge without a realm');
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const creds = await this.credentials(repositoryOf(scopes));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds) {
      url.searchParams.set('account', creds.username);
      headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    let response;
    try {
      response = await this.fetch({ method: 'GET', url: url.toString(), headers, ...(signal ? { signal } : {}) });
    } catch (error) {
      throw networkError('GET', url.toString(), error);
    }
    const body = (await readBody(response, 1024 * 1024)).toString('utf8');
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError('ERR_REGISTRY_UNAUTHORIZED', `token server ${redactUrl(url)} refused the credentials (HTTP ${response.status})`, {
        status: response.status,
        url: redactUrl(url),
        hint: creds ? 'check the username and password' : 'log in first: oci-registry login HOST',
      });
    }
    if (response.status !== 200) throw errorForStatus('GET', url.toString(), response.status, body);
    let doc: { token?: string; access_token?: string; expires_in?: number };
    try {
      doc = JSON.parse(body);
    } catch (error) {
      throw new RegistryError('ERR_REGISTRY_PROTOCOL', `token server ${redactUrl(url)} sent no JSON`, { cause: error });
    }
    const token = doc.token ?? doc.access_token;
    if (!token) throw new RegistryError('ERR_REGISTRY_PROTOCOL', `token server ${redactUrl(url)} sent no token`);
    const lifetime = Math.max(60, doc.expires_in ?? 60);
    return { token, expiresAt: Date.now() + lifetime * 1000 };
  }
}

/** The first repository a scope set names (repository:NAME:actions). */
function repositoryOf(scopes: readonly string[]): string | undefined {
  const scope = scopes.find((s) => s.startsWith('repository:'));
  return scope ? scope.slice('repository:'.length, scope.lastIndexOf(':')) : undefined;
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
