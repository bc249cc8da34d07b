import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.ts';
import type { Journal } from './journal.ts';
import { recover, type JournalReplay } from './recover.ts';
import { listSnapshots, pruneSnapshots, writeSnapshot } from './snapshot-file.ts';
import { encodeSnapshot, type SnapshotContent, type SnapshotRestorer } from './snapshot-format.ts';
import type { DurableStateStats } from './stats.ts';
import { StoreHealth } from './store-health.ts';

export interface DurableStoreOptions {
  readonly dir: string;
  readonly snapshotIntervalMs: number;
  /** A journal beyond this size triggers a snapshot before the interval is up; default 64 MiB. */
  readonly snapshotAtJournalBytes?: number;
  /** Wall clock (Unix ms) for the snapshots' time. */
  readonly now: () => number;
  readonly log: Logger;
}

/** The state a store keeps: what goes into a snapshot, and how to take it back. */
export interface SnapshotSource {
  /**
   * The state as of the last applied record. Appends are held back from
   * applying until it resolves; its last step, after any await, must copy
   * what it needs in one synchronous step.
   */
  capture(): Promise<SnapshotContent>;
  readonly restorer: SnapshotRestorer;
}

/** What the owner of an appended record is told once the write is done. */
export interface AppendOutcome {
  /** The record is durable and may now be applied; called in append order. */
  applied(): void;
  /** The write failed: nothing of the record may be applied. */
  failed(err: Error): void;
}

const DEFAULT_SNAPSHOT_AT_JOURNAL_BYTES = 64 * 1024 * 1024;

/**
 * A state dir as a store of records: an append-only journal of opaque
 * records, made durable before they are applied, and snapshots of the
 * owner's state that compact it. It knows sequence numbers and bytes, not
 * what the records or the snapshot's entries mean: their owner supplies them
 * (append's frames, SnapshotSource) and takes them back at open()
 * (SnapshotRestorer, JournalReplay).
 *
 * A snapshot covers exactly the records applied before it: while one
 * captures the state, records that become durable wait to be applied and are
 * applied, in order, right after.
 */
export class DurableStore {
  readonly #dir: string;
  readonly #o: DurableStoreOptions;
  readonly #log: Logger;
  #journal: Journal | undefined;
  #source: SnapshotSource | undefined;
  #lastSeq = 0;
  #lastApplied = 0;
  #lastSnapshotSeq = -1;
  #lastSnapshotMs = 0;
  #restoreMs = 0;
  #restoredSnapshotSeq = 0;
  #replayedRecords = 0;
  readonly #health: StoreHealth;
  /** Applies waiting while a snapshot captures the state; undefined when none is. */
  #deferred: Array<() => void> | undefined;
  #snapshotRun: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: DurableStoreOptions) {
    this.#o = options;
    this.#dir = resolve(options.dir);
    this.#log = options.log;
    this.#health = new StoreHealth(this.#dir, options.log, options.snapshotIntervalMs);
  }

  /** Whether append() takes records: open and not shutting down. */
  get accepting(): boolean {
    return this.#journal !== undefined && !this.#closing;
  }

  /**
   * Restores the newest snapshot into `snapshot.restorer` and replays the
   * journal after it through `journal`, then opens the journal for appends.
   * Throws with a clear message when the state dir cannot be used.
   */
  open(snapshot: SnapshotSource, journal: JournalReplay): void {
    const started = performance.now();
    const r = recover(this.#dir, this.#log, snapshot.restorer, journal);
    this.#source = snapshot;
    this.#journal = r.journal;
    this.#lastSeq = r.lastSeq;
    this.#lastApplied = r.lastSeq;
    this.#lastSnapshotSeq = r.snapshotSeq;
    this.#restoredSnapshotSeq = r.snapshotSeq;
    this.#lastSnapshotMs = r.snapshotTakenAtMs;
    this.#replayedRecords = r.replayedRecords;
    this.#restoreMs = performance.now() - started;
    this.#log.info(
      { dir: this.#dir, snapshotSeq: r.snapshotSeq, replayedRecords: r.replayedRecords, journalSegments: r.segmentsRead, restoreMs: Math.round(this.#restoreMs) },
      'durable state restored',
    );
  }

  /** Starts periodic snapshots. */
  start(): void {
    this.#timer = setInterval(() => void this.snapshot(), this.#o.snapshotIntervalMs);
    this.#timer.unref();
  }

  /**
   * Appends the record `encode(seq)` builds (a sealed frame) under the next
   * sequence number; `outcome` hears once it is durable or has failed.
   * Throws, appending nothing, when the store does not accept records or
   * encode throws.
   */
  append(encode: (seq: number) => Buffer, outcome: AppendOutcome): void {
    const journal = this.#journal;
    if (!journal || this.#closing) throw new Error('the durable store is not open');
    const seq = this.#lastSeq + 1;
    const frame = encode(seq);
    this.#lastSeq = seq;
    journal.append(frame, seq, (err) => {
      if (err) {
        this.#health.writeFailed(err);
        outcome.failed(err);
        return;
      }
      this.#health.writeSucceeded();
      const apply = () => {
        this.#lastApplied = seq;
        outcome.applied();
      };
      if (this.#deferred) this.#deferred.push(apply);
      else apply();
      // After a failure, not on every request: the next try waits 1 s, 2 s, 4 s… up to the snapshot interval.
      const limit = this.#o.snapshotAtJournalBytes ?? DEFAULT_SNAPSHOT_AT_JOURNAL_BYTES;
      if (journal.bytes > limit && !this.#snapshotRun && this.#health.snapshotMayStart(performance.now())) void this.snapshot();
    });
  }

  /** Writes a snapshot unless nothing was applied since the last one; never rejects (failures are logged and counted). */
  snapshot(): Promise<void> {
    this.#snapshotRun ??= this.#doSnapshot().finally(() => (this.#snapshotRun = undefined));
    return this.#snapshotRun;
  }

  stats(): DurableStateStats {
    const journal = this.#journal;
    return {
      dir: this.#dir,
      journalBytes: journal?.bytes ?? 0,
      journalSegments: journal?.segmentCount ?? 0,
      journalRecords: journal?.records ?? 0,
      lastSnapshotMs: this.#lastSnapshotMs,
      restoreMs: this.#restoreMs,
      restoredSnapshotSeq: this.#restoredSnapshotSeq,
      replayedRecords: this.#replayedRecords,
      ...this.#health.facts,
    };
  }

  /** Final snapshot, then closes the journal. Call once no more records are appended. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#timer);
    const journal = this.#journal;
    if (!journal) return;
    await journal.idle();
    await this.snapshot();
    await journal.close();
  }

  async #doSnapshot(): Promise<void> {
    const journal = this.#journal;
    const source = this.#source;
    if (!journal || !source || this.#lastApplied === this.#lastSnapshotSeq) return;
    const seq = this.#lastApplied;
    let content: SnapshotContent;
    let takenAtMs: number;
    this.#deferred = [];
    try {
      content = await source.capture();
      takenAtMs = this.#o.now();
    } catch (err) {
      this.#health.snapshotFailed(err, performance.now());
      return;
    } finally {
      const queued = this.#deferred;
      this.#deferred = undefined;
      for (const apply of queued) apply();
    }
    try {
      journal.rotate();
      await writeSnapshot(this.#dir, seq, encodeSnapshot({ seq, takenAtMs }, content));
      this.#lastSnapshotSeq = seq;
      this.#lastSnapshotMs = takenAtMs;
      // Keep the previous snapshot and the journal it needs, so a damaged newest one can fall back.
      pruneSnapshots(this.#dir, 2);
      const kept = listSnapshots(this.#dir);
      if (kept.length >= 2) journal.removeCoveredBy(kept[1]!);
      this.#health.snapshotSucceeded(seq);
    } catch (err) {
      this.#health.snapshotFailed(err, performance.now());
    }
  }
}
