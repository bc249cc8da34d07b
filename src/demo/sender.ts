import type { DemoEvent } from './events.ts';

export interface SenderOptions {
  /** The agent's base URL, e.g. http://127.0.0.1:9464 */
  readonly target: string;
  readonly token: string | undefined;
  /** Attempts per batch before giving up (the first one included). */
  readonly maxAttempts?: number;
  /** Milliseconds one request may take. */
  readonly requestTimeoutMs?: number;
  /** First backoff in milliseconds; doubles per attempt up to maxBackoffMs. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Random source for the backoff jitter (not part of the reproducible stream). */
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly fetch?: typeof fetch;
}

export interface SendResult {
  readonly accepted: number;
  readonly duplicates: number;
  /** Attempts beyond the first. */
  readonly retries: number;
}

/** A batch the agent refused for good (4xx other than 429) or that kept failing; the run stops. */
export class SendError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, status?: number, code?: string) {
    super(message);
    this.name = 'SendError';
    this.status = status;
    this.code = code;
  }
}

/** Statuses worth retrying: the ingest API says 429 and 503 are transient, and 500 records nothing. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

const HINTS: Readonly<Record<number, string>> = {
  401: 'the agent wants a bearer token: pass --token (or QB_DEMO_TOKEN) with one of its QB_AGENT_INGEST_TOKENS',
  404: 'no ingest API at this URL: --target is the agent base URL, e.g. http://127.0.0.1:9464',
  409: 'an event id was already accepted with other content: use a new --run-id',
  413: 'batch too large for the agent limits: lower --batch-size',
};

/**
 * Posts batches to POST /v1/events. Every event carries an id, so resending a
 * batch after a timeout or a 5xx is safe: the agent counts what it already has
 * as duplicates and records nothing twice. Retries use exponential backoff with
 * full jitter and honour Retry-After.
 */
export class Sender {
  readonly #url: string;
  readonly #options: SenderOptions;
  readonly #fetch: typeof fetch;

  constructor(options: SenderOptions) {
    this.#url = `${options.target.replace(/\/+$/, '')}/v1/events`;
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
  }

  get url(): string {
    return this.#url;
  }

  async send(events: readonly DemoEvent[], signal?: AbortSignal): Promise<SendResult> {
    const maxAttempts = this.#options.maxAttempts ?? 8;
    const body = JSON.stringify({ events });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#options.token) headers.authorization = `Bearer ${this.#options.token}`;
    let lastProblem = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const timeout = AbortSignal.timeout(this.#options.requestTimeoutMs ?? 10_000);
        const res = await this.#fetch(this.#url, {
          method: 'POST',
          headers,
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        const text = await res.text();
        if (res.status === 202) return { ...parseAccepted(text, events.length), retries: attempt - 1 };
        const { code, message } = parseError(text);
        lastProblem = `HTTP ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
        if (!RETRYABLE.has(res.status)) {
          const hint = HINTS[res.status];
          throw new SendError(`${this.#url} answered ${lastProblem}${hint ? ` (${hint})` : ''}`, res.status, code);
        }
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof SendError) throw err;
        if (signal?.aborted) throw new SendError('stopped while sending');
        lastProblem = describeFetchError(err);
      }
      if (attempt === maxAttempts) break;
      await this.#backoff(attempt, retryAfterMs, signal);
    }
    throw new SendError(`${this.#url}: giving up after ${maxAttempts} attempts; last: ${lastProblem}`);
  }

  async #backoff(attempt: number, retryAfterMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    const base = this.#options.baseBackoffMs ?? 250;
    const cap = this.#options.maxBackoffMs ?? 8_000;
    const random = this.#options.random ?? Math.random;
    const jittered = random() * Math.min(cap, base * 2 ** (attempt - 1));
    const wait = Math.max(jittered, Math.min(retryAfterMs ?? 0, 30_000));
    const sleep = this.#options.sleep ?? abortableSleep;
    try {
      await sleep(wait, signal);
    } catch {
      throw new SendError('stopped while waiting to retry');
    }
  }
}

function parseAccepted(text: string, sent: number): { accepted: number; duplicates: number } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SendError(`202 with a body that is not JSON: ${text.slice(0, 200)}`, 202);
  }
  const { accepted, duplicates } = (body ?? {}) as { accepted?: unknown; duplicates?: unknown };
  if (!Number.isInteger(accepted) || !Number.isInteger(duplicates) || (accepted as number) + (duplicates as number) !== sent) {
    throw new SendError(`202 with an unexpected body for ${sent} events: ${text.slice(0, 200)}`, 202);
  }
  return { accepted: accepted as number, duplicates: duplicates as number };
}

function parseError(text: string): { code: string | undefined; message: string | undefined } {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    return {
      code: typeof body.error === 'string' ? body.error : undefined,
      message: typeof body.message === 'string' ? body.message : undefined,
    };
  } catch {
    return { code: undefined, message: text.slice(0, 200) || undefined };
  }
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'request timed out';
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
