import type { Counter, Meter } from '@opentelemetry/api';
import type { DedupeStore } from '../business/dedupe.ts';
import { fingerprint } from '../business/dedupe.ts';
import { EVENT_TYPES, type BusinessEvent } from '../business/events.ts';
import type { BusinessRecorder } from '../business/recorder.ts';
import { isEventType, validateEvent, type EventProblem } from '../business/validate.ts';
import { ApiError } from '../errors.ts';
import type { EventSink } from './event-sink.ts';

/** The most problems (invalid fields, conflicting ids) one 400 or 409 answer lists in `details`. */
export const MAX_ANSWER_DETAILS = 100;

export type EventOutcome = 'accepted' | 'duplicate' | 'rejected';

/** Told how many events of a batch had each type and outcome, as they are counted (the status page's ingest window listens). */
export type OutcomeListener = (type: string, outcome: EventOutcome, count: number) => void;

export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
}

/** An event that passed validation and dedupe, ready to record (and, with durable state, to journal). */
export interface AcceptedEvent {
  readonly event: BusinessEvent;
  readonly id: string | undefined;
  readonly fingerprint: string | undefined;
}

/** What check() found in a batch that may be recorded. */
export interface CheckedBatch {
  readonly accepted: AcceptedEvent[];
  readonly duplicates: BusinessEvent[];
  /** Positions of the duplicates in the batch, ascending (the journal records them, so replay skips exactly these). */
  readonly duplicatePositions: number[];
}

/**
 * Validates, deduplicates and records one batch, atomically: either every new
 * event of the batch is recorded, or (any invalid event, any id conflict)
 * none is. Synchronous from check to record, so concurrent requests cannot
 * interleave inside a batch. Every event is recorded through one door,
 * #apply: live (commit) and after a restart (replay).
 */
export class Ingestor implements EventSink {
  readonly #recorder: BusinessRecorder;
  readonly #dedupe: DedupeStore;
  readonly #events: Counter;
  readonly #onOutcome: OutcomeListener | undefined;

  constructor(meter: Meter, deps: { recorder: BusinessRecorder; dedupe: DedupeStore; onOutcome?: OutcomeListener }) {
    this.#recorder = deps.recorder;
    this.#dedupe = deps.dedupe;
    this.#onOutcome = deps.onOutcome;
    this.#events = meter.createCounter('qb_agent_events', {
      description: 'Events received on POST /v1/events by type and outcome (accepted, duplicate, rejected).',
      unit: '{event}',
    });
    // Every type and outcome from the start, at 0: rate() and dashboards see the series before the first event.
    for (const type of EVENT_TYPES) for (const outcome of ['accepted', 'duplicate', 'rejected']) this.#events.add(0, { type, outcome });
    meter
      .createObservableGauge('qb_agent_dedupe_ids', {
        description: 'Event ids remembered for deduplication (bounded by ingest.dedupeMaxIds).',
        unit: '{id}',
      })
      .addCallback((r) => r.observe(this.#dedupe.size));
  }

  /** Checks a batch; throws ApiError (400 invalid_events, 409 id_conflict) without recording anything. */
  check(raw: readonly unknown[]): CheckedBatch {
    const problems: EventProblem[] = [];
    let invalidEvents = 0;
    for (let i = 0; i < raw.length; i++) {
      const found = validateEvent(raw[i], i);
      if (found.length > 0) {
        invalidEvents++;
        for (const p of found) if (problems.length < MAX_ANSWER_DETAILS) problems.push(p);
      }
    }
    if (problems.length > 0) {
      this.#countRejected(raw);
      throw new ApiError(
        'invalid_events',
        `${invalidEvents} of ${raw.length} events are invalid; nothing in the batch was recorded`,
        problems,
      );
    }

    const accepted: AcceptedEvent[] = [];
    const duplicates: BusinessEvent[] = [];
    const duplicatePositions: number[] = [];
    const inBatch = new Map<string, string>();
    const conflicts: Array<{ index: number; id: string; message: string }> = [];
    for (let i = 0; i < raw.length; i++) {
      const event = raw[i] as BusinessEvent;
      if (event.id === undefined) {
        accepted.push({ event, id: undefined, fingerprint: undefined });
        continue;
      }
      const fp = fingerprint(event as unknown as Record<string, unknown>);
      const earlier = inBatch.get(event.id);
      const verdict = earlier !== undefined ? (earlier === fp ? 'duplicate' : 'conflict') : this.#dedupe.check(event.id, fp);
      if (verdict === 'conflict') {
        if (conflicts.length < MAX_ANSWER_DETAILS) {
          conflicts.push({ index: i, id: event.id, message: 'this id was already accepted with different content' });
        }
      } else if (verdict === 'duplicate') {
        duplicates.push(event);
        duplicatePositions.push(i);
      } else {
        inBatch.set(event.id, fp);
        accepted.push({ event, id: event.id, fingerprint: fp });
      }
    }
    if (conflicts.length > 0) {
      this.#countRejected(raw);
      throw new ApiError('id_conflict', `${conflicts.length} event ids conflict with accepted events; nothing in the batch was recorded`, conflicts);
    }
    return { accepted, duplicates, duplicatePositions };
  }

  /** Records what check() accepted, remembers its ids and counts every outcome. */
  commit(checked: { accepted: readonly AcceptedEvent[]; duplicates: readonly BusinessEvent[] }): IngestResult {
    const accepted = new Map<string, number>();
    for (const a of checked.accepted) {
      this.#apply(a.event, a.id, a.fingerprint);
      accepted.set(a.event.type, (accepted.get(a.event.type) ?? 0) + 1);
    }
    this.#countAll(accepted, 'accepted');
    const duplicates = new Map<string, number>();
    for (const d of checked.duplicates) duplicates.set(d.type, (duplicates.get(d.type) ?? 0) + 1);
    this.#countAll(duplicates, 'duplicate');
    return { accepted: checked.accepted.length, duplicates: checked.duplicates.length };
  }

  /** check() then commit(): the whole batch or nothing. */
  ingest(raw: readonly unknown[]): IngestResult {
    return this.commit(this.check(raw));
  }

  /**
   * Applies a journaled batch again after a restart, through the same door as
   * commit(): every event but the skipped positions (those answered
   * "duplicate": the 202 said what it said, whatever dedupe holds now), each
   * id remembered again. An id already remembered is skipped too: a record
   * written, answered 503 by a failed sync, then resent, is in the journal
   * twice. Counts nothing: qb_agent_events describes this process's traffic.
   */
  replay(raw: readonly unknown[], skipped: readonly number[]): void {
    let next = 0;
    for (let i = 0; i < raw.length; i++) {
      if (skipped[next] === i) {
        next++;
        continue;
      }
      const event = raw[i] as BusinessEvent;
      if (event.id === undefined) {
        this.#apply(event, undefined, undefined);
        continue;
      }
      const fp = fingerprint(event as unknown as Record<string, unknown>);
      if (this.#dedupe.check(event.id, fp) !== 'new') continue;
      this.#apply(event, event.id, fp);
    }
  }

  /** Records one event and remembers its id: the only way an event reaches the recorder. */
  #apply(event: BusinessEvent, id: string | undefined, fp: string | undefined): void {
    this.#recorder.record(event);
    if (id !== undefined) this.#dedupe.remember(id, fp!);
  }

  #countRejected(raw: readonly unknown[]): void {
    const rejected = new Map<string, number>();
    for (const e of raw) {
      const type = (e as { type?: unknown } | null)?.type;
      const key = isEventType(type) ? type : 'invalid';
      rejected.set(key, (rejected.get(key) ?? 0) + 1);
    }
    this.#countAll(rejected, 'rejected');
  }

  /**
   * One add per type and outcome for the whole batch, not one per event: the
   * counter's values are the same, and the SDK hashes the attributes once per
   * add and reader (qb_agent_events has no view, so each reader keeps its own
   * storage), which cost a quarter of the ingest CPU when done per event.
   */
  #countAll(counts: ReadonlyMap<string, number>, outcome: EventOutcome): void {
    for (const [type, count] of counts) {
      this.#events.add(count, { type, outcome });
      this.#onOutcome?.(type, outcome, count);
    }
  }
}
