import { closeSync, constants, fdatasync, fdatasyncSync, ftruncate, ftruncateSync, openSync, readFileSync, truncateSync, unlinkSync, writev } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { numberedFiles, syncDir } from './dir-files.ts';
import { scanFrames } from './frame.ts';

const SEGMENT = /^journal-(\d{16})\.wal$/;

/**
 * Segments are opened with O_DSYNC: a write returns once its data is durable,
 * as write + fdatasync would, but in one system call and so one trip through
 * libuv's thread pool per group instead of two (on a busy machine each trip
 * costs a thread wake-up and a context switch on the event loop's critical
 * path; see docs/reliability.md).
 */
const APPEND_FLAGS = constants.O_WRONLY | constants.O_DSYNC;

export function segmentName(index: number): string {
  return `journal-${String(index).padStart(16, '0')}.wal`;
}

/** A journal segment found on disk at startup, with its intact records. */
export interface SegmentContents {
  readonly index: number;
  readonly payloads: Buffer[];
}

interface Segment {
  readonly index: number;
  readonly path: string;
  /** Bytes known durable; a failed write is truncated back to this. */
  size: number;
  /** Highest record sequence number written to it (0: none). */
  maxSeq: number;
  /** Durable records in it. */
  records: number;
  fd: number | undefined;
}

interface PendingRecord {
  readonly frame: Buffer;
  readonly seq: number;
  readonly done: (err: Error | undefined) => void;
}

/**
 * Reads every segment in order, truncating a damaged tail (the torn last write
 * of a crash) in place with a log line. Never refuses to start over a tail.
 */
export function readSegments(dir: string, log: Logger): SegmentContents[] {
  const out: SegmentContents[] = [];
  const indexes = listSegments(dir);
  for (const index of indexes) {
    const path = join(dir, segmentName(index));
    const buffer = readFileSync(path);
    const scan = scanFrames(buffer);
    if (scan.stopReason !== undefined) {
      const last = index === indexes.at(-1);
      log[last ? 'warn' : 'error'](
        { segment: path, reason: scan.stopReason, keptBytes: scan.validBytes, droppedBytes: buffer.length - scan.validBytes },
        last
          ? 'journal tail is torn (a write cut short by a crash); truncating it, every complete record is kept'
          : 'journal segment is damaged before its end; truncating it at the damage',
      );
      truncateSync(path, scan.validBytes);
    }
    out.push({ index, payloads: scan.payloads });
  }
  return out;
}

export function listSegments(dir: string): number[] {
  return numberedFiles(dir, SEGMENT);
}

/**
 * Append-only, segmented journal with group commit. Records appended while a
 * durable write (writev on an O_DSYNC file) is in flight are written together
 * by the next one, so one sync acknowledges every request that arrived during
 * the previous one.
 * Completion callbacks run in append order, synchronously after the sync.
 *
 * A failed write or sync fails its whole group and truncates the segment back
 * to its last durable size, so a record whose request was answered with an
 * error can never reappear at replay. If even that fails, the journal stays
 * broken and retries the repair before the next write.
 */
export class Journal {
  readonly #dir: string;
  readonly #log: Logger;
  readonly #segments: Segment[] = [];
  #pending: PendingRecord[] = [];
  #flushing = false;
  #rotateRequested = false;
  #broken: Error | undefined;
  #closed = false;
  #idleWaiters: Array<() => void> = [];

  /** Opens a fresh segment after the existing ones (which replay has read). */
  constructor(dir: string, existing: ReadonlyArray<{ index: number; maxSeq: number; size: number; records: number }>, log: Logger) {
    this.#dir = dir;
    this.#log = log;
    for (const s of existing) this.#segments.push({ index: s.index, path: join(dir, segmentName(s.index)), size: s.size, maxSeq: s.maxSeq, records: s.records, fd: undefined });
    const last = this.#segments.at(-1);
    // An empty last segment (a restart without writes) is reused, so restarts do not pile up empty files.
    if (last && last.size === 0) last.fd = openSync(last.path, APPEND_FLAGS);
    else this.#openNext();
  }

  /** Total bytes of every segment on disk. */
  get bytes(): number {
    let total = 0;
    for (const s of this.#segments) total += s.size;
    return total;
  }

  /** Records in every segment on disk. */
  get records(): number {
    let total = 0;
    for (const s of this.#segments) total += s.records;
    return total;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  append(frame: Buffer, seq: number, done: (err: Error | undefined) => void): void {
    if (this.#closed) {
      done(new Error('journal is closed'));
      return;
    }
    this.#pending.push({ frame, seq, done });
    if (!this.#flushing) this.#flush();
  }

  /** The next write goes to a new segment, so older ones can be deleted once a snapshot covers them. */
  rotate(): void {
    this.#rotateRequested = true;
  }

  /** Deletes closed segments whose records all have seq <= `seq`. */
  removeCoveredBy(seq: number): number {
    let removed = 0;
    const current = this.#segments.at(-1);
    for (let i = 0; i < this.#segments.length; ) {
      const s = this.#segments[i]!;
      if (s !== current && s.fd === undefined && s.maxSeq <= seq) {
        unlinkSync(s.path);
        this.#segments.splice(i, 1);
        removed++;
      } else i++;
    }
    if (removed > 0) syncDir(this.#dir);
    return removed;
  }

  /** Resolves when no write is in flight or queued. */
  idle(): Promise<void> {
    if (!this.#flushing && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.idle();
    this.#closed = true;
    for (const s of this.#segments) {
      if (s.fd !== undefined) closeSync(s.fd);
      s.fd = undefined;
    }
  }

  #openNext(): void {
    const index = (this.#segments.at(-1)?.index ?? 0) + 1;
    const path = join(this.#dir, segmentName(index));
    const fd = openSync(path, APPEND_FLAGS | constants.O_CREAT | constants.O_EXCL, 0o644);
    syncDir(this.#dir);
    const previous = this.#segments.at(-1);
    if (previous?.fd !== undefined) {
      closeSync(previous.fd);
      previous.fd = undefined;
    }
    this.#segments.push({ index, path, size: 0, maxSeq: 0, records: 0, fd });
  }

  #flush(): void {
    const group = this.#pending;
    this.#pending = [];
    this.#flushing = true;
    try {
      if (this.#broken) this.#repair();
      if (this.#rotateRequested) {
        this.#openNext();
        this.#rotateRequested = false;
      }
    } catch (err) {
      this.#finish(group, err as Error);
      return;
    }
    const segment = this.#segments.at(-1)!;
    const fd = segment.fd!;
    const buffers = group.map((r) => r.frame);
    let total = 0;
    for (const b of buffers) total += b.length;
    // O_DSYNC: when this returns without error, the group is durable.
    writev(fd, buffers, segment.size, (writeErr, written) => {
      if (writeErr || written !== total) {
        this.#fail(segment, group, writeErr ?? new Error(`short write: ${written} of ${total} bytes`));
        return;
      }
      segment.size += total;
      segment.records += group.length;
      segment.maxSeq = Math.max(segment.maxSeq, group.at(-1)!.seq);
      this.#finish(group, undefined);
    });
  }

  #fail(segment: Segment, group: PendingRecord[], err: Error): void {
    this.#broken = err;
    ftruncate(segment.fd!, segment.size, (truncErr) => {
      if (truncErr) {
        this.#finish(group, err);
        return;
      }
      fdatasync(segment.fd!, (syncErr) => {
        if (!syncErr) this.#broken = undefined;
        this.#finish(group, err);
      });
    });
  }

  /** Synchronous repair before the next write: drop whatever a failed write may have left. */
  #repair(): void {
    const segment = this.#segments.at(-1)!;
    const fd = segment.fd!;
    ftruncateSync(fd, segment.size);
    fdatasyncSync(fd);
    this.#log.info({ segment: segment.path }, 'journal writable again');
    this.#broken = undefined;
  }

  #finish(group: PendingRecord[], err: Error | undefined): void {
    for (const r of group) r.done(err);
    this.#flushing = false;
    if (this.#pending.length > 0 && !this.#closed) {
      this.#flush();
      return;
    }
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
