import { OciError, type OciErrorOptions } from '@ocikit/oci-image';

/** Stable codes of this package; scripts match on them. */
export type RegistryErrorCode =
  | 'ERR_REGISTRY_UNAUTHORIZED'
  | 'ERR_REGISTRY_DENIED'
  | 'ERR_REGISTRY_NOT_FOUND'
  | 'ERR_REGISTRY_TOO_MANY_REQUESTS'
  | 'ERR_REGISTRY_SERVER'
  | 'ERR_REGISTRY_UNSUPPORTED'
  | 'ERR_REGISTRY_NETWORK'
  | 'ERR_REGISTRY_TLS'
  | 'ERR_REGISTRY_PROTOCOL'
  | 'ERR_REGISTRY_CREDENTIALS'
  | 'ERR_REGISTRY_REQUEST';

export interface RegistryErrorOptions extends OciErrorOptions {
  status?: number;
  /** The URL with query and userinfo removed. */
  url?: string;
  /** Error codes from the registry's JSON body (distribution-spec). */
  diagnostics?: string[];
  /** True when sending the same request again may succeed (network, 5xx, 429). */
  retryable?: boolean;
}

/** An HTTP exchange with a registry failed. Messages never hold credentials or upload state. */
export class RegistryError extends OciError {
  readonly status: number | undefined;
  readonly url: string | undefined;
  readonly diagnostics: string[];
  readonly retryable: boolean;

  constructor(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}) {
    super(code, message, options);
    this.status = options.status;
    this.url = options.url;
    this.diagnostics = options.diagnostics ?? [];
    this.retryable = options.retryable ?? false;
  }
}

/** A URL fit for messages: no userinfo, no query (upload URLs carry state). */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

export function codeForStatus(status: number): RegistryErrorCode {
  if (status === 401) return 'ERR_REGISTRY_UNAUTHORIZED';
  if (status === 403) return 'ERR_REGISTRY_DENIED';
  if (status === 404) return 'ERR_REGISTRY_NOT_FOUND';
  if (status === 405) return 'ERR_REGISTRY_UNSUPPORTED';
  if (status === 429) return 'ERR_REGISTRY_TOO_MANY_REQUESTS';
  if (status >= 500) return 'ERR_REGISTRY_SERVER';
  return 'ERR_REGISTRY_REQUEST';
}

const HINTS: Partial<Record<RegistryErrorCode, string>> = {
  ERR_REGISTRY_UNAUTHORIZED: 'log in with oci-registry login HOST, or pass --creds USER:PASS or --authfile',
  ERR_REGISTRY_DENIED: 'the credentials are valid but may not do this',
  ERR_REGISTRY_NOT_FOUND: 'check the repository name, tag or digest (oci-registry tags docker://HOST/REPO lists tags)',
  ERR_REGISTRY_UNSUPPORTED: 'the registry does not allow this operation (deletion may be disabled)',
  ERR_REGISTRY_TOO_MANY_REQUESTS: 'the registry rate-limits you; wait and try again',
  ERR_REGISTRY_SERVER: 'the registry failed; try again later',
};

/** Build the error for an HTTP error status from the registry's JSON error body. */
export function errorForStatus(method: string, url: string, status: number, body: string): RegistryError {
  const diagnostics: string[] = [];
  let detail = '';
  try {
    const doc = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
    for (const e of doc.errors ?? []) {
      if (e.code) diagnostics.push(e.code);
      if (!detail && (e.code || e.message)) detail = [e.code, e.message].filter(Boolean).join(': ');
    }
  } catch {
    // Not JSON: a proxy page or nothing; the status says enough.
  }
  const code = codeForStatus(status);
  const hint = HINTS[code];
  return new RegistryError(code, `${method} ${redactUrl(url)}: HTTP ${status}${detail ? ` ${detail.slice(0, 200)}` : ''}`, {
    status,
    url: redactUrl(url),
    diagnostics,
    retryable: status === 429 || status >= 500,
    ...(hint ? { hint } : {}),
  });
}

const CERT_PROBLEM = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/i;
const TLS_ALERT = /alert|certificate required|handshake failure/i;
const TLS_PROTOCOL = /EPROTO|wrong version number|SSL routines|packet length too long/i;

/** Wrap a low-level network error (Node system and TLS errors, node-fetch FetchError). */
export function networkError(method: string, url: string, cause: unknown): RegistryError {
  const err = cause as { code?: string; message?: string; erroredSysCall?: string };
  const text = `${err?.code ?? ''} ${err?.message ?? ''}`;
  if (TLS_ALERT.test(text)) {
    return new RegistryError('ERR_REGISTRY_TLS', `${method} ${redactUrl(url)}: the server refused the TLS handshake`, {
      url: redactUrl(url),
      cause,
      hint: 'the registry may require a client certificate: put NAME.cert and NAME.key in --cert-dir',
    });
  }
  if (CERT_PROBLEM.test(text)) {
    return new RegistryError('ERR_REGISTRY_TLS', `${method} ${redactUrl(url)}: TLS certificate not trusted: ${err?.code ?? err?.message}`, {
      url: redactUrl(url),
      cause,
      hint: 'pass the registry CA with --cert-dir, or --tls-verify=false for a test registry',
    });
  }
  if (TLS_PROTOCOL.test(text)) {
    // The server does not speak TLS (plain HTTP): not worth retrying, the caller may fall back to http.
    return new RegistryError('ERR_REGISTRY_NETWORK', `${method} ${redactUrl(url)}: TLS handshake failed (the server may speak plain HTTP)`, {
      url: redactUrl(url),
      cause,
      hint: 'for a plain-HTTP registry pass --tls-verify=false',
    });
  }
  const code = err?.code ?? (/premature close/i.test(text) ? 'connection closed early' : err?.message) ?? 'network error';
  return new RegistryError('ERR_REGISTRY_NETWORK', `${method} ${redactUrl(url)}: ${code}`, {
    url: redactUrl(url),
    cause,
    // An unknown host stays unknown; everything else (resets, refused, EAI_AGAIN) may pass.
    retryable: err?.code !== 'ENOTFOUND',
    hint: 'check that the registry is reachable',
  });
}
