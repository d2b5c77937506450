/**
 * The shared error base. Every error ocikit throws on purpose is an OciError
 * with a stable `code` (ERR_OCI_*), a one-line message and an optional hint,
 * so that CLIs can print one clear line and scripts can match on the code.
 */
export interface OciErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class OciError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: OciErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint === undefined ? undefined : redactSecrets(options.hint);
  }

  /** One line: code, message and hint, as CLIs print it. */
  toLine(): string {
    return `${this.code}: ${this.message}${this.hint ? ` (hint: ${this.hint})` : ''}`;
  }
}

export class DigestMismatchError extends OciError {
  constructor(readonly expected: string, readonly actual: string, what = 'blob') {
    super('ERR_OCI_DIGEST_MISMATCH', `${what} digest mismatch: expected ${expected}, got ${actual}`, {
      hint: 'the content is corrupt or was changed after it was written',
    });
  }
}

export class SizeMismatchError extends OciError {
  constructor(readonly expected: number, readonly actual: number, what = 'blob') {
    super('ERR_OCI_SIZE_MISMATCH', `${what} size mismatch: expected ${expected} bytes, got ${actual}`, {
      hint: 'the content is truncated, corrupt or its descriptor is wrong',
    });
  }
}

export class InvalidDigestError extends OciError {
  constructor(value: string, reason: string) {
    super('ERR_OCI_INVALID_DIGEST', `invalid digest ${JSON.stringify(value)}: ${reason}`, {
      hint: 'a digest looks like sha256:<64 lowercase hex digits>',
    });
  }
}

export class BlobNotFoundError extends OciError {
  constructor(readonly digest: string, where: string) {
    super('ERR_OCI_BLOB_UNKNOWN', `blob ${digest} not found in ${where}`);
  }
}

export class ManifestNotFoundError extends OciError {
  constructor(what: string, where: string, hint?: string) {
    super('ERR_OCI_MANIFEST_UNKNOWN', `manifest ${what} not found in ${where}`, hint ? { hint } : {});
  }
}

export class InvalidJsonError extends OciError {
  constructor(what: string, cause: unknown) {
    super('ERR_OCI_INVALID_JSON', `${what} is not valid JSON: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** A document that parses as JSON but breaks a schema rule. */
export class SchemaValidationError extends OciError {
  constructor(what: string, readonly problems: string[]) {
    super('ERR_OCI_SCHEMA', `${what} is invalid: ${problems[0] ?? 'unknown problem'}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`);
  }
}

export class UnsupportedMediaTypeError extends OciError {
  constructor(mediaType: string, where: string) {
    super('ERR_OCI_MEDIA_TYPE', `unsupported media type ${JSON.stringify(mediaType)} ${where}`);
  }
}

export class InvalidReferenceError extends OciError {
  constructor(input: string, reason: string, hint?: string) {
    super('ERR_OCI_REFERENCE', `invalid reference ${JSON.stringify(input)}: ${reason}`, {
      hint: hint ?? 'use TRANSPORT:REFERENCE, e.g. oci:DIR:TAG, oci-archive:FILE, dir:DIR, docker://HOST/REPO:TAG',
    });
  }
}

export class LayoutError extends OciError {
  constructor(message: string, options: OciErrorOptions = {}) {
    super('ERR_OCI_LAYOUT', message, options);
  }
}

export class PlatformNotFoundError extends OciError {
  constructor(platform: string, available: string[]) {
    super('ERR_OCI_PLATFORM', `no image for platform ${platform} in the index`, {
      hint: available.length ? `available: ${available.join(', ')}` : 'the index lists no platforms',
    });
  }
}

export class UnsafePathError extends OciError {
  constructor(path: string, reason: string) {
    super('ERR_OCI_UNSAFE_PATH', `unsafe path ${JSON.stringify(path)}: ${reason}`);
  }
}

export class AbortedError extends OciError {
  constructor(cause?: unknown) {
    super('ERR_OCI_ABORTED', 'operation aborted', { cause });
  }
}

/** Turn anything thrown into an OciError, keeping the original as cause. */
export function asOciError(error: unknown): OciError {
  if (error instanceof OciError) return error;
  const err = error as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return new AbortedError(err);
  if (err?.code === 'ENOENT') return new OciError('ERR_OCI_NOT_FOUND', err.message, { cause: err });
  if (err?.code === 'EACCES' || err?.code === 'EPERM') {
    return new OciError('ERR_OCI_PERMISSION', err.message, { cause: err, hint: 'run as a user who may write there' });
  }
  if (err?.code === 'ENOSPC') return new OciError('ERR_OCI_NO_SPACE', err.message, { cause: err });
  return new OciError('ERR_OCI_INTERNAL', err?.message ?? String(error), { cause: error });
}

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/(\/\/)([^/:@\s]+):([^/@\s]+)@/g, '$1$2:***@'],
  [/(authorization:\s*)(basic|bearer)\s+[^\s,;"]+/gi, '$1$2 ***'],
  [/((?:access_)?token|password|secret|auth)(["']?\s*[=:]\s*["']?)([^\s"'&,}]+)/gi, '$1$2***'],
];

/** Remove credentials from text that may reach a user or a log. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
