import { isRetryable, QbAgentClient, type BusinessEvent, type DeliveryError } from '../client/index.ts';

export interface SenderOptions {
  /** The agent's base URL, e.g. http://127.0.0.1:9464 */
  readonly target: string;
  readonly token: string | undefined;
  /** Attempts per batch before giving up (the first one included); default 8. */
  readonly maxAttempts?: number;
  /** Milliseconds one request may take; default 10000. */
  readonly requestTimeoutMs?: number;
  /** First backoff ceiling in milliseconds, doubling per retry; default 250. */
  readonly baseBackoffMs?: number;
  /** Random source for the backoff jitter (not part of the reproducible stream). */
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
}

export interface SendResult {
  readonly accepted: number;
  readonly duplicates: number;
  /** Attempts beyond the first. */
  readonly retries: number;
}

/** A batch the agent refused for good (a status the client does not retry) or that kept failing; the run stops. */
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

/** The demo's largest --batch-size: a demo batch always fits the client's buffer and batch. */
const MAX_BATCH_EVENTS = 10_000;

const HINTS: Readonly<Record<number, string>> = {
  401: 'the agent wants a bearer token: pass --token (or QB_DEMO_TOKEN) with one of its QB_AGENT_INGEST_TOKENS',
  404: 'no ingest API at this URL: --target is the agent base URL, e.g. http://127.0.0.1:9464',
  409: 'an event id was already accepted with other content: use a new --run-id',
  413: 'batch too large for the agent limits: lower --batch-size',
};

/**
 * Sends the demo's batches with the client library (src/client): its
 * batching, its retries (the client's retry rules, exponential backoff with
 * full jitter, Retry-After honoured) and its delivery errors. One batch at a
 * time: send() resolves once the agent confirmed it, and throws a SendError
 * saying what to do when it did not. Every event carries an id, so a batch
 * resent after a timeout or a 5xx is counted once.
 */
export class Sender {
  readonly #client: QbAgentClient;
  readonly #maxAttempts: number;
  #error: DeliveryError | undefined;

  constructor(options: SenderOptions) {
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#client = new QbAgentClient({
      url: options.target,
      ...(options.token ? { token: options.token } : {}),
      maxBatchEvents: MAX_BATCH_EVENTS,
      maxBufferedEvents: MAX_BATCH_EVENTS,
      maxRetries: this.#maxAttempts - 1,
      initialBackoffMs: options.baseBackoffMs ?? 250,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      // Batches leave when send() asks for them (flush), never on a timer.
      flushIntervalMs: 3_600_000,
      onError: (err) => (this.#error ??= err),
      ...(options.random ? { random: options.random } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  get url(): string {
    return this.#client.endpoint;
  }

  /** Sends one batch and waits for the agent's answer; `abort` abandons it (its outcome then is unknown). */
  async send(events: readonly BusinessEvent[], abort?: AbortSignal): Promise<SendResult> {
    if (abort?.aborted) throw new SendError('stopped while sending');
    const client = this.#client;
    const before = client.stats();
    this.#error = undefined;
    for (const event of events) client.send(event);
    const abandon = () => void client.close({ timeoutMs: 0 });
    abort?.addEventListener('abort', abandon, { once: true });
    try {
      await client.flush();
    } finally {
      abort?.removeEventListener('abort', abandon);
    }
    const after = client.stats();
    const sent = after.sent - before.sent;
    if (sent !== events.length) throw this.#failure(abort);
    const accepted = after.accepted - before.accepted;
    const duplicates = after.duplicates - before.duplicates;
    if (accepted + duplicates !== sent) throw new SendError(`202 with an unexpected body for ${sent} events: ${JSON.stringify({ accepted, duplicates })}`, 202);
    return { accepted, duplicates, retries: after.retries - before.retries };
  }

  /** Delivers nothing more; what is still buffered is abandoned. */
  close(): Promise<void> {
    return this.#client.close({ timeoutMs: 0 });
  }

  #failure(abort: AbortSignal | undefined): SendError {
    const err = this.#error;
    if (abort?.aborted || !err) return new SendError('stopped while sending');
    // The client's retry rules decide what was worth retrying (status 0: no answer at all).
    if (err.status === 0 || isRetryable(err.status)) return new SendError(`${this.url}: giving up after ${this.#maxAttempts} attempts; last: ${err.message}`);
    const hint = HINTS[err.status];
    return new SendError(`${this.url} answered ${err.message}${hint ? ` (${hint})` : ''}`, err.status, err.code);
  }
}
