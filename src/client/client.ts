import type { BusinessEvent } from './events.ts';
import { backoffDelay, isRetryable, parseRetryAfter } from './retry.ts';

export interface ClientOptions {
  /** The agent's base URL, e.g. "http://127.0.0.1:9464". */
  readonly url: string;
  /** A token of the agent's ingest.tokens; sent as `Authorization: Bearer`. */
  readonly token?: string;
  /** Most events per request; default 500 (the agent accepts up to ingest.maxEventsPerBatch, 10000 by default). */
  readonly maxBatchEvents?: number;
  /** Most body bytes per request; default 512 KiB (the agent accepts ingest.maxBodyBytes, 1 MiB by default). */
  readonly maxBatchBytes?: number;
  /** How long an event may wait for a full batch; default 1000 ms. */
  readonly flushIntervalMs?: number;
  /** Most events held (queued and in flight); beyond, send() drops the event and returns false. Default 10000. */
  readonly maxBufferedEvents?: number;
  /** Retries of one batch after its first attempt; default 10. */
  readonly maxRetries?: number;
  /** First backoff ceiling; default 100 ms, doubling per retry up to maxBackoffMs. */
  readonly initialBackoffMs?: number;
  /** Backoff ceiling, and the longest Retry-After honoured; default 30000 ms. */
  readonly maxBackoffMs?: number;
  /** Timeout of one request; default 10000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * Batches whose body is larger than this many bytes are sent gzip-compressed
   * (`Content-Encoding: gzip`); default 16384. 0 compresses every batch,
   * Infinity none (for an agent too old to accept gzip).
   */
  readonly compressAboveBytes?: number;
  /** Prefix of generated event ids; default a random UUID per client, so ids never collide across processes. */
  readonly idPrefix?: string;
  /** Told about every batch that failed for good (not retryable, or retries exhausted). */
  readonly onError?: (error: DeliveryError) => void;
  /** Source of jitter in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** The fetch to send with; default the global one (e.g. one with a proxy agent, or a test's). */
  readonly fetch?: typeof fetch;
}

/** The client's own counters, in events (`retries` in requests). */
export interface ClientStats {
  /** Confirmed by the agent (202): accepted + duplicates. */
  readonly sent: number;
  readonly accepted: number;
  /** Already known to the agent (a retry of a batch it had recorded): counted once there, as intended. */
  readonly duplicates: number;
  /** Requests sent again after a 408/429/5xx or a network error. */
  readonly retries: number;
  /** Refused by send() because the buffer was full or the client closed, or still queued at the close() deadline. */
  readonly dropped: number;
  /** In batches the agent refused (400/401/409/413/…), whose retries ran out, or in flight at the close() deadline. */
  readonly failed: number;
  /** Queued or in flight now. */
  readonly buffered: number;
}

/** A batch that will not be delivered. */
export class DeliveryError extends Error {
  /** HTTP status, or 0 for a network error or timeout. */
  readonly status: number;
  /** The agent's error code (`invalid_events`, `unauthorized`, …) when it answered with one. */
  readonly code: string | undefined;
  readonly events: number;
  /** The agent's `details` (e.g. which event and field is invalid). */
  readonly details: readonly unknown[];

  constructor(message: string, init: { status: number; code?: string | undefined; events: number; details?: readonly unknown[] }) {
    super(message);
    this.name = 'DeliveryError';
    this.status = init.status;
    this.code = init.code;
    this.events = init.events;
    this.details = init.details ?? [];
  }
}

interface Queued {
  readonly json: string;
  readonly seq: number;
}

const DEFAULTS = {
  maxBatchEvents: 500,
  maxBatchBytes: 512 * 1024,
  flushIntervalMs: 1000,
  maxBufferedEvents: 10_000,
  maxRetries: 10,
  initialBackoffMs: 100,
  maxBackoffMs: 30_000,
  requestTimeoutMs: 10_000,
  compressAboveBytes: 16 * 1024,
};

const encoder = new TextEncoder();

/** gzip with the platform's CompressionStream (Node 18+, browsers): the client stays free of dependencies and of node: imports. */
async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const compressed = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

/**
 * Sends business events to a qb-agent in batches (docs/client.md). `send()`
 * never blocks and never throws on delivery problems: it buffers, and a single
 * sender delivers batches in order, retrying what can succeed later. Every
 * event gets its idempotency id when it enters the buffer, so a retried batch
 * carries the same ids and the agent counts it once.
 */
export class QbAgentClient {
  readonly #o: typeof DEFAULTS & ClientOptions;
  readonly #endpoint: string;
  readonly #idPrefix: string;
  readonly #random: () => number;
  readonly #fetch: typeof fetch;
  readonly #queue: Queued[] = [];
  readonly #waiters: Array<{ seq: number; resolve: () => void }> = [];
  readonly #abort = new AbortController();
  #inFlight = 0;
  #nextId = 0;
  #enqueued = 0;
  #settled = 0;
  #due = false;
  #closed = false;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #sender: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #stats = { sent: 0, accepted: 0, duplicates: 0, retries: 0, dropped: 0, failed: 0 };

  constructor(options: ClientOptions) {
    this.#o = { ...DEFAULTS, ...options };
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError(`url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`url must be http or https, got ${url.protocol}`);
    this.#endpoint = new URL('v1/events', url.href.endsWith('/') ? url.href : `${url.href}/`).href;
    for (const key of ['maxBatchEvents', 'maxBatchBytes', 'maxBufferedEvents', 'flushIntervalMs', 'initialBackoffMs', 'maxBackoffMs', 'requestTimeoutMs'] as const) {
      const v = this.#o[key];
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${key} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(this.#o.maxRetries) || this.#o.maxRetries < 0) throw new RangeError(`maxRetries must be an integer >= 0, got ${this.#o.maxRetries}`);
    const compressAbove = this.#o.compressAboveBytes;
    if (!(Number.isInteger(compressAbove) && compressAbove >= 0) && compressAbove !== Infinity) {
      throw new RangeError(`compressAboveBytes must be an integer >= 0 or Infinity, got ${compressAbove}`);
    }
    this.#idPrefix = options.idPrefix ?? globalThis.crypto.randomUUID();
    if (this.#idPrefix.length > 100) throw new RangeError('idPrefix must be at most 100 characters (ids are at most 128)');
    this.#random = options.random ?? Math.random;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Where batches go: `<url>/v1/events`. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /**
   * Buffers one event; returns false (and counts it in `dropped`) when the
   * buffer is full or the client is closed. Throws only for programming
   * errors: an event that is not an object with a type, or cannot be serialized.
   */
  send(event: BusinessEvent): boolean {
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
      throw new TypeError('send() takes an event object with a type; build one with events.*()');
    }
    if (this.#closed || this.#queue.length + this.#inFlight >= this.#o.maxBufferedEvents) {
      this.#stats.dropped++;
      return false;
    }
    const withId = event.id === undefined ? { ...event, id: `${this.#idPrefix}-${this.#nextId++}` } : event;
    const json = JSON.stringify(withId);
    if (json.length + 1 > this.#o.maxBatchBytes) throw new RangeError(`event of ${json.length} bytes exceeds maxBatchBytes`);
    this.#queue.push({ json, seq: ++this.#enqueued });
    if (this.#queue.length >= this.#o.maxBatchEvents) this.#kick(false);
    else this.#linger ??= setTimeout(() => this.#kick(true), this.#o.flushIntervalMs).unref();
    return true;
  }

  /** Resolves once every event buffered before the call is delivered, failed or dropped. Never rejects. */
  flush(): Promise<void> {
    const target = this.#enqueued;
    if (this.#settled >= target) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiters.push({ seq: target, resolve }));
    this.#kick(true);
    return done;
  }

  /**
   * Stops accepting events and delivers what is buffered, for at most
   * `timeoutMs` (default 10000); then abandons the rest (queued → dropped, in
   * flight → failed). Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#doClose(options.timeoutMs ?? 10_000);
    return this.#closing;
  }

  stats(): ClientStats {
    return { ...this.#stats, buffered: this.#queue.length + this.#inFlight };
  }

  async #doClose(timeoutMs: number): Promise<void> {
    this.#closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.flush(), deadline]);
    clearTimeout(timer);
    if (this.#queue.length > 0 || this.#inFlight > 0) {
      const dropped = this.#queue.splice(0);
      this.#stats.dropped += dropped.length;
      this.#abort.abort(new Error('client closed'));
      await this.#sender;
      this.#advance(dropped.length);
    }
    clearTimeout(this.#linger);
  }

  /** Starts the sender unless it runs; `due` asks it to send a partial batch too. */
  #kick(due: boolean): void {
    if (due) {
      this.#due = true;
      clearTimeout(this.#linger);
      this.#linger = undefined;
    }
    this.#sender ??= this.#drain().finally(() => {
      this.#sender = undefined;
      if (this.#queue.length > 0 && (this.#due || this.#queue.length >= this.#o.maxBatchEvents)) this.#kick(false);
      else if (this.#queue.length > 0) this.#linger ??= setTimeout(() => this.#kick(true), this.#o.flushIntervalMs).unref();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && (this.#due || this.#queue.length >= this.#o.maxBatchEvents) && !this.#abort.signal.aborted) {
      const batch = this.#takeBatch();
      if (this.#queue.length === 0) this.#due = false;
      this.#inFlight = batch.length;
      try {
        await this.#deliver(batch);
      } finally {
        this.#inFlight = 0;
        this.#advance(batch.length);
      }
    }
  }

  #takeBatch(): Queued[] {
    let bytes = 1;
    let n = 0;
    while (n < this.#queue.length && n < this.#o.maxBatchEvents) {
      const size = this.#queue[n]!.json.length + 1;
      if (n > 0 && bytes + size > this.#o.maxBatchBytes) break;
      bytes += size;
      n++;
    }
    return this.#queue.splice(0, n);
  }

  async #deliver(batch: Queued[]): Promise<void> {
    const plain = encoder.encode(`${batch.map((q) => q.json).join('\n')}\n`);
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    if (this.#o.token) headers.authorization = `Bearer ${this.#o.token}`;
    // Compressed once: every retry sends the same bytes.
    const compress = plain.length > this.#o.compressAboveBytes;
    const body = compress ? await gzip(plain) : plain;
    if (compress) headers['content-encoding'] = 'gzip';
    for (let attempt = 0; ; attempt++) {
      let failure: DeliveryError;
      let retryAfterMs: number | undefined;
      try {
        const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#o.requestTimeoutMs)]);
        // Called detached: a browser's fetch refuses any `this` but the window.
        const send = this.#fetch;
        const res = await send(this.#endpoint, { method: 'POST', headers, body, signal });
        const text = await res.text();
        if (res.status === 202) {
          const result = JSON.parse(text) as { accepted: number; duplicates: number };
          this.#stats.accepted += result.accepted;
          this.#stats.duplicates += result.duplicates;
          this.#stats.sent += batch.length;
          return;
        }
        failure = toDeliveryError(res.status, text, batch.length);
        if (!isRetryable(res.status)) return this.#fail(failure);
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        failure = new DeliveryError(`request failed: ${cause}`, { status: 0, events: batch.length });
      }
      if (attempt >= this.#o.maxRetries || this.#abort.signal.aborted) return this.#fail(failure);
      const delay = Math.min(retryAfterMs ?? backoffDelay(attempt, this.#o.initialBackoffMs, this.#o.maxBackoffMs, this.#random), this.#o.maxBackoffMs);
      if (!(await this.#sleep(delay))) return this.#fail(failure);
      this.#stats.retries++;
    }
  }

  #fail(error: DeliveryError): void {
    this.#stats.failed += error.events;
    try {
      this.#o.onError?.(error);
    } catch {
      // A throwing callback must not stop delivery of the batches behind this one.
    }
  }

  /** Waits, unless close() gives up first; resolves false then. */
  #sleep(ms: number): Promise<boolean> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #advance(events: number): void {
    this.#settled += events;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      if (this.#waiters[i]!.seq <= this.#settled) this.#waiters.splice(i, 1)[0]!.resolve();
    }
  }
}

function toDeliveryError(status: number, text: string, events: number): DeliveryError {
  let body: { error?: unknown; message?: unknown; details?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the agent's JSON (a proxy's page): keep the status and the start of the text.
  }
  const code = typeof body.error === 'string' ? body.error : undefined;
  const message = typeof body.message === 'string' ? body.message : text.slice(0, 200);
  return new DeliveryError(`HTTP ${status}${code ? ` ${code}` : ''}: ${message}`, {
    status,
    code,
    events,
    details: Array.isArray(body.details) ? body.details : [],
  });
}
