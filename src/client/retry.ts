/** Statuses worth retrying: the agent is busy, starting, stopping or failed before recording. */
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Whether a batch answered with this status may succeed when sent again.
 * 400 (invalid), 401 (token), 409 (id conflict), 413 (too large), 415 never will.
 */
export function isRetryable(status: number): boolean {
  return RETRYABLE.has(status);
}

/** Exponential backoff with full jitter: uniform in [0, min(max, initial × 2^attempt)). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
