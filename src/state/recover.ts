import { accessSync, constants, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { FRAME_HEADER_BYTES } from './frame.ts';
import { Journal, readSegments } from './journal.ts';
import { loadNewestSnapshot, readSections } from './snapshot-file.ts';
import { decodeSnapshot, type SnapshotRestorer } from './snapshot-format.ts';

/** What the owner of a journal's records tells recovery about them. */
export interface JournalReplay {
  /** The sequence number a record was appended with (every record is read for it; only those after the snapshot are replayed). */
  seqOf(payload: Buffer): number;
  /** Applies a record newer than the snapshot again, as it was applied when it was written. Throws when it cannot. */
  replay(payload: Buffer): void;
}

export interface Recovered {
  readonly journal: Journal;
  /** Sequence number of the snapshot restored, 0 when none. */
  readonly snapshotSeq: number;
  /** Unix ms the restored snapshot was taken, 0 when none. */
  readonly snapshotTakenAtMs: number;
  /** Highest sequence number found, in the snapshot or the journal. */
  readonly lastSeq: number;
  readonly replayedRecords: number;
  /** Journal segments found on disk. */
  readonly segmentsRead: number;
}

/**
 * Brings a state dir back: the newest intact snapshot into `snapshot`, then
 * every journal record after it, in order, into `journal.replay`; then opens
 * the journal for appends after them. Synchronous, so nothing can observe a
 * half-restored state. Throws with a clear message when the dir cannot be
 * used or its state is incomplete; a torn journal tail is truncated, never
 * fatal (readSegments), and a damaged newest snapshot falls back to the
 * previous one.
 */
export function recover(dir: string, log: Logger, snapshot: SnapshotRestorer, journal: JournalReplay): Recovered {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new Error(`state.dir ${dir}: cannot use it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); fix its permissions or point state.dir elsewhere`);
  }
  rmSync(join(dir, 'snapshot.tmp'), { force: true });

  const { snapshot: newest, damaged } = loadNewestSnapshot(dir);
  for (const d of damaged) log.error({ snapshot: d }, 'snapshot is damaged; falling back to the previous one');
  const segments = readSegments(dir, log);
  const firstIndex = segments[0]?.index;
  if (!newest && firstIndex !== undefined && firstIndex !== 1) {
    throw new Error(`state.dir ${dir}: no readable snapshot and the journal no longer starts at its beginning; the state is incomplete (move the directory away to start from zero)`);
  }

  let snapshotSeq = 0;
  let snapshotTakenAtMs = 0;
  if (newest) {
    try {
      // Read a section at a time and applied as it is read; the checksum was verified first, so nothing is half-applied.
      snapshotTakenAtMs = decodeSnapshot(readSections(newest.path), snapshot).takenAtMs;
    } catch (err) {
      throw new Error(`state.dir ${dir}: snapshot ${newest.seq} has an intact checksum but cannot be read (${(err as Error).message})`);
    }
    snapshotSeq = newest.seq;
  }

  let lastSeq = snapshotSeq;
  let replayedRecords = 0;
  const existing: Array<{ index: number; maxSeq: number; size: number; records: number }> = [];
  for (const segment of segments) {
    let maxSeq = 0;
    let size = 0;
    for (const payload of segment.payloads) {
      size += FRAME_HEADER_BYTES + payload.length;
      let seq: number | undefined;
      try {
        seq = journal.seqOf(payload);
        maxSeq = Math.max(maxSeq, seq);
        if (seq <= snapshotSeq) continue;
        journal.replay(payload);
      } catch (err) {
        throw new Error(`state.dir ${dir}: journal segment ${segment.index} holds a record with an intact checksum that cannot be replayed${seq === undefined ? '' : ` (seq ${seq})`}: ${(err as Error).message}`);
      }
      replayedRecords++;
      lastSeq = Math.max(lastSeq, seq);
    }
    existing.push({ index: segment.index, maxSeq, size, records: segment.payloads.length });
  }
  return { journal: new Journal(dir, existing, log), snapshotSeq, snapshotTakenAtMs, lastSeq, replayedRecords, segmentsRead: existing.length };
}
