import { AbortedError } from '@ocikit/oci-image';

export interface RetryOptions {
  /** Total attempts per request (default 5). */
  attempts?: number;
  /** First back-off delay in ms (default 200), doubled each time, with jitter. */
  baseDelayMs?: number;
  /** Longest wait in ms, also for Retry-After (default 30000). */
  maxDelayMs?: number;
}

export const DEFAULT_ATTEMPTS = 5;

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined if absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Delay before attempt `attempt` (1 = first retry): exponential with full jitter, or what the server asked. */
export function backoffDelay(attempt: number, options: RetryOptions = {}, retryAfterMs?: number, random = Math.random): number {
  const max = options.maxDelayMs ?? 30_000;
  if (retryAfterMs !== undefined) return Math.min(max, retryAfterMs);
  const base = options.baseDelayMs ?? 200;
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
