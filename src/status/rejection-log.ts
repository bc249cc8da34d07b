/** One problem of a rejected request, as the client was told it. */
export interface RejectionDetail {
  readonly index?: number;
  readonly path?: string;
  readonly message: string;
}

/** A rejected POST /v1/events request, as the status page shows it. */
export interface Rejection {
  /** Unix milliseconds. */
  readonly timeMs: number;
  /** The client's address (the socket's peer; proxies are not trusted). */
  readonly client: string;
  readonly status: number;
  /** The catalogue code the client received, e.g. `invalid_events`. */
  readonly error: string;
  readonly message: string;
  /** The first KEPT_DETAILS problems. */
  readonly details: readonly RejectionDetail[];
  /** How many problems the answer listed in all. */
  readonly detailsTotal: number;
  /** The offending event (by the first problem's index) or else the start of the body; null when the body was not read. */
  readonly payload: string | null;
  readonly payloadTruncated: boolean;
}

/** What the events route hands over for a 4xx/5xx answer. */
export interface RejectedRequest {
  readonly client: string;
  readonly status: number;
  /** The serialized answer, `{"error", "message", "details"?}`. */
  readonly response: unknown;
  /** The request body as text, or undefined when it was never read (401, 413, 415). */
  readonly body: unknown;
}

export const REJECTION_CAPACITY = 50;
export const MAX_PAYLOAD_CHARS = 512;
/** Problems kept per rejected request for the status page (the answer itself lists up to MAX_ANSWER_DETAILS). */
export const KEPT_DETAILS = 5;
const MAX_MESSAGE_CHARS = 512;
/** Bodies up to this size are parsed again to find the offending event; larger ones show their start. */
const MAX_REPARSE_CHARS = 256 * 1024;

/**
 * The most recent rejected ingest requests, newest first, in a fixed-size
 * ring: the first thing an engineer needs when a client integration fails.
 * Stores what the client was answered plus a truncated excerpt of what it
 * sent; request headers (and so the bearer token) are never seen here.
 */
export class RejectionLog {
  readonly #capacity: number;
  readonly #entries: Rejection[] = [];
  readonly #now: () => number;
  #next = 0;
  #total = 0;

  constructor(options: { capacity?: number; now?: () => number } = {}) {
    this.#capacity = options.capacity ?? REJECTION_CAPACITY;
    if (!Number.isInteger(this.#capacity) || this.#capacity <= 0) throw new RangeError(`capacity must be a positive integer, got ${this.#capacity}`);
    this.#now = options.now ?? Date.now;
  }

  /** Rejections recorded since start, including those the ring no longer holds. */
  get total(): number {
    return this.#total;
  }

  get capacity(): number {
    return this.#capacity;
  }

  record(rejected: RejectedRequest): void {
    const answer = parseAnswer(rejected.response);
    const details = answer.details.slice(0, KEPT_DETAILS);
    const body = typeof rejected.body === 'string' ? rejected.body : undefined;
    const payload = body === undefined ? null : excerpt(body, details[0]?.index);
    const entry: Rejection = {
      timeMs: this.#now(),
      client: rejected.client,
      status: rejected.status,
      error: answer.error,
      message: truncate(answer.message, MAX_MESSAGE_CHARS).text,
      details,
      detailsTotal: answer.details.length,
      payload: payload?.text ?? null,
      payloadTruncated: payload?.truncated ?? false,
    };
    if (this.#entries.length < this.#capacity) this.#entries.push(entry);
    else this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.#capacity;
    this.#total++;
  }

  /** Newest first. */
  recent(): Rejection[] {
    const n = this.#entries.length;
    const out: Rejection[] = [];
    for (let i = 1; i <= n; i++) out.push(this.#entries[(this.#next - i + n) % n]!);
    return out;
  }
}

function parseAnswer(response: unknown): { error: string; message: string; details: RejectionDetail[] } {
  let body: unknown = response;
  if (typeof response === 'string') {
    try {
      body = JSON.parse(response);
    } catch {
      return { error: 'unknown', message: truncate(response, MAX_MESSAGE_CHARS).text, details: [] };
    }
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown; details?: unknown };
  const details = Array.isArray(b.details) ? b.details.map(toDetail) : [];
  return { error: typeof b.error === 'string' ? b.error : 'unknown', message: typeof b.message === 'string' ? b.message : '', details };
}

function toDetail(raw: unknown): RejectionDetail {
  const d = (typeof raw === 'object' && raw !== null ? raw : {}) as { index?: unknown; path?: unknown; message?: unknown; id?: unknown };
  const message = typeof d.message === 'string' ? d.message : '';
  return {
    ...(typeof d.index === 'number' ? { index: d.index } : {}),
    ...(typeof d.path === 'string' ? { path: d.path } : {}),
    message: truncate(typeof d.id === 'string' ? `${message} (id ${JSON.stringify(d.id)})` : message, MAX_MESSAGE_CHARS).text,
  };
}

/** The event at `index` of a JSON or NDJSON batch, re-serialized, else the start of the body. */
function excerpt(body: string, index: number | undefined): { text: string; truncated: boolean } {
  if (index !== undefined && body.length <= MAX_REPARSE_CHARS) {
    const event = eventAt(body, index);
    if (event !== undefined) return truncate(JSON.stringify(event) ?? String(event), MAX_PAYLOAD_CHARS);
  }
  return truncate(body, MAX_PAYLOAD_CHARS);
}

function eventAt(body: string, index: number): unknown {
  try {
    const parsed = JSON.parse(body) as { events?: unknown };
    if (Array.isArray(parsed?.events)) return parsed.events[index];
  } catch {
    // Not one JSON document: try NDJSON below.
  }
  const line = body.split('\n').filter((l) => l.trim() !== '')[index];
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function truncate(text: string, max: number): { text: string; truncated: boolean } {
  return text.length <= max ? { text, truncated: false } : { text: text.slice(0, max), truncated: true };
}
