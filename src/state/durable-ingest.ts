import { accessSync, constants, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';
import type { BusinessParts } from '../business/module.ts';
import { CATALOGUE, type MetricSpec } from '../business/catalogue.ts';
import { fingerprint } from '../business/dedupe.ts';
import type { BusinessEvent } from '../business/events.ts';
import { ApiError } from '../errors.ts';
import type { IngestResult, Ingestor } from '../ingest/ingestor.ts';
import { parseEventsBody } from '../ingest/parse-body.ts';
import type { BatchSource } from '../ingest/routes/events.ts';
import type { Logger } from '../log.ts';
import type { DurableStateInfo, DurableStateProvider } from '../status/durable-state.ts';
import { Backoff } from './backoff.ts';
import type { EventClock } from '../business/clock.ts';
import { batchRecordSeq, decodeBatchRecord, encodeBatchRecord, type BatchRecord } from '../ingest/batch-record.ts';
import { FRAME_HEADER_BYTES } from './frame.ts';
import { Journal, readSegments } from './journal.ts';
import { captureMetrics, seedMetrics, type SnapshotReader } from '../business/metric-state.ts';
import { listSnapshots, loadNewestSnapshot, pruneSnapshots, readSections, writeSnapshot } from './snapshot-file.ts';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT, type SnapshotContents, type SnapshotHead } from './snapshot-format.ts';

/** A journal beyond this size triggers a snapshot before the interval is up. */
export const SNAPSHOT_AT_JOURNAL_BYTES = 64 * 1024 * 1024;

export interface DurableIngestOptions {
  readonly dir: string;
  readonly snapshotIntervalMs: number;
  readonly ingestor: Ingestor;
  readonly business: BusinessParts;
  readonly meter: Meter;
  readonly reader: SnapshotReader;
  readonly scopeName: string;
  readonly clock: EventClock;
  readonly log: Logger;
}

export interface StateStats {
  readonly dir: string;
  readonly journalBytes: number;
  readonly journalSegments: number;
  /** Unix ms of the last snapshot written (or restored), 0 before any. */
  readonly lastSnapshotMs: number;
  readonly restoreMs: number;
  readonly restoredSnapshotSeq: number;
  readonly replayedRecords: number;
  readonly writeFailures: number;
  readonly snapshotFailures: number;
  readonly writable: boolean;
}

/**
 * Makes ingest durable: every accepted batch is appended to the journal and
 * fsync'd before it is recorded and answered 202; snapshots compact the
 * journal; restore() rebuilds the business state before the agent listens.
 *
 * Order of one request: check (validate + dedupe, synchronous) → reserve its
 * ids → append + fdatasync (shared with concurrent requests) → apply (record,
 * remember ids) → 202. A request holding an id that another request has
 * reserved waits for that one to finish, then is checked again: it becomes a
 * duplicate if the other was written, or is accepted if the other failed.
 */
export class DurableIngest implements DurableStateProvider {
  readonly #o: DurableIngestOptions;
  readonly #dir: string;
  readonly #log: Logger;
  #journal: Journal | undefined;
  readonly #reserved = new Map<string, Promise<void>>();
  #lastSeq = 0;
  #lastApplied = 0;
  #lastSnapshotSeq = -1;
  #lastSnapshotMs = 0;
  #restoreMs = 0;
  #restoredSnapshotSeq = 0;
  #replayedRecords = 0;
  #writeFailures = 0;
  #snapshotFailures = 0;
  #writable = true;
  #snapshotHealthy = true;
  /** Paces the journal-size trigger after a failed snapshot (the periodic one keeps its interval). */
  readonly #snapshotBackoff: Backoff;
  /** Applies waiting while a snapshot reads the state; undefined when none is. */
  #deferred: Array<() => void> | undefined;
  #snapshotRun: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #lastError: string | undefined;

  constructor(options: DurableIngestOptions) {
    this.#o = options;
    this.#dir = resolve(options.dir);
    this.#log = options.log;
    this.#snapshotBackoff = new Backoff(options.snapshotIntervalMs);
    const m = options.meter;
    m.createObservableGauge('qb_agent_state_journal_bytes', { description: 'Bytes of journal on disk (state.dir), compacted by each snapshot.', unit: 'By' })
      .addCallback((r) => r.observe(this.#journal?.bytes ?? 0));
    m.createObservableGauge('qb_agent_state_last_snapshot_timestamp_seconds', { description: 'Unix time of the last state snapshot written or restored; 0 before any.', unit: 's' })
      .addCallback((r) => r.observe(this.#lastSnapshotMs / 1000));
    m.createObservableGauge('qb_agent_state_restore_duration_seconds', { description: 'Time the last start took to restore the snapshot and replay the journal.', unit: 's' })
      .addCallback((r) => r.observe(this.#restoreMs / 1000));
    m.createObservableCounter('qb_agent_state_write_failures', { description: 'Journal writes or syncs that failed; their requests were answered 503 and nothing was recorded.', unit: '{write}' })
      .addCallback((r) => r.observe(this.#writeFailures));
    m.createObservableCounter('qb_agent_state_snapshot_failures', { description: 'Snapshots that could not be written; the journal keeps everything until one succeeds.', unit: '{snapshot}' })
      .addCallback((r) => r.observe(this.#snapshotFailures));
  }

  /**
   * Restores the snapshot and replays the journal, synchronously: no
   * collection or request can observe a half-restored state. Throws with a
   * clear message when the state dir cannot be used.
   */
  restore(): void {
    const started = performance.now();
    const dir = this.#dir;
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new Error(`state.dir ${dir}: cannot use it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); fix its permissions or point state.dir elsewhere`);
    }
    rmSync(join(dir, 'snapshot.tmp'), { force: true });

    const { snapshot, damaged } = loadNewestSnapshot(dir);
    for (const d of damaged) this.#log.error({ snapshot: d }, 'snapshot is damaged; falling back to the previous one');
    const segments = readSegments(dir, this.#log);
    const firstIndex = segments[0]?.index;
    if (!snapshot && firstIndex !== undefined && firstIndex !== 1) {
      throw new Error(`state.dir ${dir}: no readable snapshot and the journal no longer starts at its beginning; the state is incomplete (move the directory away to start from zero)`);
    }

    let snapshotSeq = 0;
    if (snapshot) {
      const { business } = this.#o;
      let head: SnapshotHead;
      try {
        // Read a section at a time and applied as it is read; the checksum was verified first, so nothing is half-applied.
        head = decodeSnapshot(readSections(snapshot.path), {
          head: (h) => this.#applySnapshotHead(h),
          dedupe: (id, fp, atMs) => business.dedupe.remember(id, fp, atMs),
          user: (user, seenMs, inactive) => business.activeUsers.restore(user, seenMs, inactive),
        });
      } catch (err) {
        throw new Error(`state.dir ${dir}: snapshot ${snapshot.seq} has an intact checksum but cannot be read (${(err as Error).message})`);
      }
      snapshotSeq = snapshot.seq;
      this.#lastSnapshotMs = head.takenAtMs;
    }

    let seq = snapshotSeq;
    const existing: Array<{ index: number; maxSeq: number; size: number; records: number }> = [];
    for (const segment of segments) {
      let maxSeq = 0;
      let size = 0;
      for (const payload of segment.payloads) {
        size += FRAME_HEADER_BYTES + payload.length;
        let record: BatchRecord | undefined;
        try {
          const recordSeq = batchRecordSeq(payload);
          maxSeq = Math.max(maxSeq, recordSeq);
          if (recordSeq <= snapshotSeq) continue;
          record = decodeBatchRecord(payload);
          this.#replay(record);
        } catch (err) {
          throw new Error(`state.dir ${dir}: journal segment ${segment.index} holds a record with an intact checksum that cannot be replayed${record ? ` (seq ${record.seq})` : ''}: ${(err as Error).message}`);
        }
        this.#replayedRecords++;
        seq = Math.max(seq, record.seq);
      }
      existing.push({ index: segment.index, maxSeq, size, records: segment.payloads.length });
    }
    this.#lastSeq = seq;
    this.#lastApplied = seq;
    this.#lastSnapshotSeq = snapshotSeq;
    this.#restoredSnapshotSeq = snapshotSeq;
    this.#journal = new Journal(dir, existing, this.#log);
    this.#restoreMs = performance.now() - started;
    this.#log.info(
      { dir, snapshotSeq, replayedRecords: this.#replayedRecords, journalSegments: existing.length, restoreMs: Math.round(this.#restoreMs) },
      'durable state restored',
    );
  }

  /** Starts periodic snapshots. */
  start(): void {
    this.#timer = setInterval(() => void this.snapshot(), this.#o.snapshotIntervalMs);
    this.#timer.unref();
  }

  async ingest(raw: readonly unknown[], source: BatchSource): Promise<IngestResult> {
    const journal = this.#journal;
    if (!journal || this.#closing) throw new ApiError('not_ready', 'the agent is starting or stopping; retry shortly');
    while (this.#reserved.size > 0) {
      const waits: Array<Promise<void>> = [];
      for (const e of raw) {
        const id = (e as { id?: unknown } | null)?.id;
        if (typeof id === 'string') {
          const w = this.#reserved.get(id);
          if (w) waits.push(w);
        }
      }
      if (waits.length === 0) break;
      await Promise.all(waits);
    }
    const ingestor = this.#o.ingestor;
    const checked = ingestor.check(raw);
    if (checked.accepted.length === 0) return ingestor.commit(checked);

    const seq = ++this.#lastSeq;
    const atMs = this.#o.clock.now();
    const ids: string[] = [];
    for (const a of checked.accepted) if (a.id !== undefined) ids.push(a.id);
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    for (const id of ids) this.#reserved.set(id, settled);
    const release = () => {
      for (const id of ids) this.#reserved.delete(id);
      settle();
    };
    // The body as received plus the duplicates' positions: replay records exactly what this 202 acknowledges.
    const frame = encodeBatchRecord({ seq, atMs, format: source.format, skipped: checked.duplicatePositions, body: source.body });

    return new Promise<IngestResult>((resolvePromise, reject) => {
      journal.append(frame, seq, (err) => {
        if (err) {
          release();
          this.#onWriteFailure(err);
          reject(new ApiError('storage_unavailable', `the event journal cannot be written (${(err as NodeJS.ErrnoException).code ?? err.message}); nothing was recorded, retry later with the same ids`));
          return;
        }
        this.#onWriteSuccess();
        const apply = () => {
          this.#lastApplied = seq;
          const result = this.#o.clock.run(atMs, () => ingestor.commit(checked));
          release();
          resolvePromise(result);
        };
        if (this.#deferred) this.#deferred.push(apply);
        else apply();
        // After a failure, not on every request: the next try waits 1 s, 2 s, 4 s… up to the snapshot interval.
        if (journal.bytes > SNAPSHOT_AT_JOURNAL_BYTES && !this.#snapshotRun && this.#snapshotBackoff.ready(performance.now())) void this.snapshot();
      });
    });
  }

  /** Writes a snapshot unless nothing was applied since the last one; never rejects (failures are logged and counted). */
  snapshot(): Promise<void> {
    this.#snapshotRun ??= this.#doSnapshot().finally(() => (this.#snapshotRun = undefined));
    return this.#snapshotRun;
  }

  durableStateInfo(): DurableStateInfo {
    return {
      dir: this.#dir,
      journalBytes: this.#journal?.bytes ?? 0,
      journalRecords: this.#journal?.records ?? 0,
      lastSnapshotMs: this.#lastSnapshotMs,
      lastError: this.#lastError,
    };
  }

  stats(): StateStats {
    return {
      dir: this.#dir,
      journalBytes: this.#journal?.bytes ?? 0,
      journalSegments: this.#journal?.segmentCount ?? 0,
      lastSnapshotMs: this.#lastSnapshotMs,
      restoreMs: Math.round(this.#restoreMs * 10) / 10,
      restoredSnapshotSeq: this.#restoredSnapshotSeq,
      replayedRecords: this.#replayedRecords,
      writeFailures: this.#writeFailures,
      snapshotFailures: this.#snapshotFailures,
      writable: this.#writable,
    };
  }

  /** Final snapshot, then closes the journal. Call after the HTTP server stopped taking requests. Idempotent. */
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
    if (!journal || this.#lastApplied === this.#lastSnapshotSeq) return;
    const seq = this.#lastApplied;
    let contents: SnapshotContents;
    this.#deferred = [];
    try {
      const { business } = this.#o;
      const metrics = await captureMetrics(this.#o.reader, this.#o.scopeName);
      // One synchronous step from here: flat copies of the ids and users (their strings are shared, not copied),
      // so applies resume at once and the copy is serialized a chunk at a time while requests are served.
      contents = {
        head: {
          v: SNAPSHOT_FORMAT,
          seq,
          takenAtMs: this.#o.clock.wallNow(),
          metrics,
          overflow: business.guard.usage().map((u) => [u.metric, u.overflowed]),
        },
        dedupe: business.dedupe.copy(),
        users: business.activeUsers.copy(),
      };
    } catch (err) {
      this.#onSnapshotFailure(err);
      return;
    } finally {
      const queued = this.#deferred;
      this.#deferred = undefined;
      for (const apply of queued) apply();
    }
    try {
      journal.rotate();
      await writeSnapshot(this.#dir, seq, encodeSnapshot(contents));
      this.#lastSnapshotSeq = seq;
      this.#lastSnapshotMs = contents.head.takenAtMs;
      // Keep the previous snapshot and the journal it needs, so a damaged newest one can fall back.
      pruneSnapshots(this.#dir, 2);
      const kept = listSnapshots(this.#dir);
      if (kept.length >= 2) journal.removeCoveredBy(kept[1]!);
      if (!this.#snapshotHealthy) this.#log.info({ seq }, 'snapshots written again');
      this.#snapshotHealthy = true;
      this.#snapshotBackoff.succeeded();
    } catch (err) {
      this.#onSnapshotFailure(err);
    }
  }

  /** The metrics and cardinality-guard half of a snapshot; ids and users follow entry by entry. */
  #applySnapshotHead(head: SnapshotHead): void {
    const { business, meter } = this.#o;
    seedMetrics(meter, head.metrics);
    for (const [name, entry] of Object.entries(head.metrics)) {
      const spec = (Object.values(CATALOGUE) as MetricSpec[]).find((s) => s.name === name);
      if (!spec) continue;
      for (const p of [...(entry.counters ?? []), ...(entry.histograms ?? [])]) {
        if (p.a['otel.metric.overflow'] === true) continue;
        // The key recorder.ts builds: the label values in catalogue order, joined by U+0001.
        business.guard.restore(name, spec.labels.map((l) => String(p.a[l])).join('\u0001'), p.a);
      }
    }
    for (const [metric, count] of head.overflow) business.guard.restoreOverflow(metric, count);
  }

  /**
   * Applies one journal record as it was applied live: the same body through
   * the same parser, every event but the skipped duplicates, same recorder,
   * same order, at its acceptance time.
   */
  #replay(record: BatchRecord): void {
    const { business, clock } = this.#o;
    const events = parseEventsBody(record.body, record.format) as BusinessEvent[];
    const { skipped } = record;
    clock.run(record.atMs, () => {
      let next = 0;
      for (let i = 0; i < events.length; i++) {
        if (skipped[next] === i) {
          next++;
          continue;
        }
        const event = events[i]!;
        if (event.id === undefined) {
          business.recorder.record(event);
          continue;
        }
        const fp = fingerprint(event as unknown as Record<string, unknown>);
        // A record written, then answered 503 by a failed sync, then resent: the later copy is a duplicate.
        if (business.dedupe.check(event.id, fp) !== 'new') continue;
        business.recorder.record(event);
        business.dedupe.remember(event.id, fp, record.atMs);
      }
    });
  }

  #onWriteFailure(err: Error): void {
    this.#writeFailures++;
    this.#lastError = `journal write: ${err.message}`;
    if (this.#writable) this.#log.error({ err, dir: this.#dir }, 'journal write failed: answering 503 to ingest until it works again; /metrics keeps serving');
    this.#writable = false;
  }

  #onWriteSuccess(): void {
    if (!this.#writable) this.#log.info({ dir: this.#dir }, 'journal writes recovered');
    this.#writable = true;
  }

  #onSnapshotFailure(err: unknown): void {
    this.#snapshotFailures++;
    this.#snapshotBackoff.failed(performance.now());
    this.#lastError = `snapshot: ${err instanceof Error ? err.message : String(err)}`;
    if (this.#snapshotHealthy) this.#log.warn({ err, dir: this.#dir }, 'snapshot failed; the journal keeps every record until one succeeds');
    this.#snapshotHealthy = false;
  }
}
