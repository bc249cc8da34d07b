import type { EventOutcome } from '../ingest/ingestor.ts';

export const OUTCOMES: readonly EventOutcome[] = ['accepted', 'duplicate', 'rejected'];

export type OutcomeCounts = Record<EventOutcome, number>;

export interface IngestBucket {
  /** Unix milliseconds at which the bucket starts (a multiple of bucketMs). */
  readonly startMs: number;
  /** Events per type (`invalid` for events without a known type) and outcome. */
  readonly events: Record<string, OutcomeCounts>;
  /** Responses of POST /v1/events per HTTP status code. */
  readonly requests: Record<string, number>;
}

export interface IngestWindowSnapshot {
  readonly bucketSeconds: number;
  readonly windowSeconds: number;
  /** Oldest first; always `buckets` entries, the last one being the current, partial bucket. */
  readonly buckets: readonly IngestBucket[];
  /** Sums over the buckets above. */
  readonly totals: { readonly events: Record<string, OutcomeCounts>; readonly requests: Record<string, number> };
}

export interface IngestWindowOptions {
  /** Width of one bucket; default 10 s. */
  readonly bucketMs?: number;
  /** Number of buckets kept; default 30 (five minutes of 10 s buckets). */
  readonly buckets?: number;
  readonly now?: () => number;
}

interface Slot {
  index: number;
  events: Map<string, OutcomeCounts>;
  requests: Map<string, number>;
}

/**
 * Ingest traffic of the last few minutes for the status page: a ring of
 * fixed-width time buckets, each counting events per type and outcome and
 * responses per status code. Memory is bounded: a fixed number of slots, and
 * the keys are event types and status codes, both small closed sets.
 */
export class IngestWindow {
  readonly #bucketMs: number;
  readonly #slots: Slot[];
  readonly #now: () => number;

  constructor(options: IngestWindowOptions = {}) {
    this.#bucketMs = options.bucketMs ?? 10_000;
    const count = options.buckets ?? 30;
    if (!Number.isInteger(this.#bucketMs) || this.#bucketMs <= 0) throw new RangeError(`bucketMs must be a positive integer, got ${this.#bucketMs}`);
    if (!Number.isInteger(count) || count <= 0) throw new RangeError(`buckets must be a positive integer, got ${count}`);
    this.#slots = Array.from({ length: count }, () => ({ index: -1, events: new Map(), requests: new Map() }));
    this.#now = options.now ?? Date.now;
  }

  recordEvents(type: string, outcome: EventOutcome, count: number): void {
    const slot = this.#current();
    let counts = slot.events.get(type);
    if (!counts) {
      counts = { accepted: 0, duplicate: 0, rejected: 0 };
      slot.events.set(type, counts);
    }
    counts[outcome] += count;
  }

  recordRequest(statusCode: number): void {
    const slot = this.#current();
    const key = String(statusCode);
    slot.requests.set(key, (slot.requests.get(key) ?? 0) + 1);
  }

  snapshot(): IngestWindowSnapshot {
    const current = Math.floor(this.#now() / this.#bucketMs);
    const n = this.#slots.length;
    const buckets: IngestBucket[] = [];
    const totalEvents: Record<string, OutcomeCounts> = {};
    const totalRequests: Record<string, number> = {};
    for (let index = current - n + 1; index <= current; index++) {
      const slot = this.#slots[mod(index, n)]!;
      const live = slot.index === index;
      const events: Record<string, OutcomeCounts> = {};
      const requests: Record<string, number> = {};
      if (live) {
        for (const [type, counts] of slot.events) {
          events[type] = { ...counts };
          const total = (totalEvents[type] ??= { accepted: 0, duplicate: 0, rejected: 0 });
          for (const o of OUTCOMES) total[o] += counts[o];
        }
        for (const [status, count] of slot.requests) {
          requests[status] = count;
          totalRequests[status] = (totalRequests[status] ?? 0) + count;
        }
      }
      buckets.push({ startMs: index * this.#bucketMs, events, requests });
    }
    return {
      bucketSeconds: this.#bucketMs / 1000,
      windowSeconds: (this.#bucketMs * n) / 1000,
      buckets,
      totals: { events: sortKeys(totalEvents), requests: sortKeys(totalRequests) },
    };
  }

  /** The slot of the current bucket, cleared first when it still holds an older bucket. */
  #current(): Slot {
    const index = Math.floor(this.#now() / this.#bucketMs);
    const slot = this.#slots[mod(index, this.#slots.length)]!;
    if (slot.index !== index) {
      slot.index = index;
      slot.events.clear();
      slot.requests.clear();
    }
    return slot;
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
