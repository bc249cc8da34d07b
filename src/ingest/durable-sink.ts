import type { EventClock } from '../business/clock.ts';
import { ApiError } from '../errors.ts';
import type { DurableStore } from '../state/durable-store.ts';
import type { JournalReplay } from '../state/recover.ts';
import { batchRecordSeq, decodeBatchRecord, encodeBatchRecord } from './batch-record.ts';
import type { BatchSource, EventSink } from './event-sink.ts';
import { IdReservations } from './id-reservations.ts';
import type { IngestResult, Ingestor } from './ingestor.ts';
import { parseEventsBody } from './parse-body.ts';

export interface DurableSinkOptions {
  readonly store: DurableStore;
  readonly ingestor: Ingestor;
  /** The business clock: a record is committed, and replayed, at its acceptance time. */
  readonly clock: EventClock;
}

/**
 * Makes ingest durable: every accepted batch is journaled before it is
 * committed and answered 202; after a restart the journal is replayed
 * through the Ingestor's own door.
 *
 * One request: check (validate + dedupe, synchronous) → reserve its ids →
 * append the body as received, with the positions of its duplicates, and
 * wait for it to be durable (shared with concurrent requests) → commit
 * (record, remember ids), synchronously → 202.
 */
export class DurableSink implements EventSink, JournalReplay {
  readonly #store: DurableStore;
  readonly #ingestor: Ingestor;
  readonly #clock: EventClock;
  readonly #reservations = new IdReservations();

  constructor(options: DurableSinkOptions) {
    this.#store = options.store;
    this.#ingestor = options.ingestor;
    this.#clock = options.clock;
  }

  async ingest(raw: readonly unknown[], source: BatchSource): Promise<IngestResult> {
    this.#ensureAccepting();
    const reserved = this.#reservations.settled(raw);
    if (reserved) {
      await reserved;
      this.#ensureAccepting();
    }
    const ingestor = this.#ingestor;
    const checked = ingestor.check(raw);
    if (checked.accepted.length === 0) return ingestor.commit(checked);

    const atMs = this.#clock.now();
    const ids: string[] = [];
    for (const a of checked.accepted) if (a.id !== undefined) ids.push(a.id);
    const release = this.#reservations.reserve(ids);
    return new Promise<IngestResult>((resolve, reject) => {
      try {
        // The body as received plus the duplicates' positions: replay records exactly what this 202 acknowledges.
        const encode = (seq: number) => encodeBatchRecord({ seq, atMs, format: source.format, skipped: checked.duplicatePositions, body: source.body });
        this.#store.append(encode, {
          applied: () => {
            const result = this.#clock.run(atMs, () => ingestor.commit(checked));
            release();
            resolve(result);
          },
          failed: (err) => {
            release();
            reject(new ApiError('storage_unavailable', `the event journal cannot be written (${(err as NodeJS.ErrnoException).code ?? err.message}); nothing was recorded, retry later with the same ids`));
          },
        });
      } catch (err) {
        release();
        reject(err);
      }
    });
  }

  seqOf(payload: Buffer): number {
    return batchRecordSeq(payload);
  }

  /** One journal record, applied again as it was: the same body through the same parser, at its acceptance time. */
  replay(payload: Buffer): void {
    const record = decodeBatchRecord(payload);
    const events = parseEventsBody(record.body, record.format);
    this.#clock.run(record.atMs, () => this.#ingestor.replay(events, record.skipped));
  }

  #ensureAccepting(): void {
    if (!this.#store.accepting) throw new ApiError('not_ready', 'the agent is starting or stopping; retry shortly');
  }
}
