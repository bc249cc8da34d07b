/**
 * Every fact about the durable state, in one object: /readyz, the status page
 * and the self-metrics each show their part of it.
 */
export interface DurableStateStats {
  readonly dir: string;
  readonly journalBytes: number;
  readonly journalSegments: number;
  readonly journalRecords: number;
  /** Unix ms of the last snapshot written (or restored), 0 before any. */
  readonly lastSnapshotMs: number;
  readonly restoreMs: number;
  readonly restoredSnapshotSeq: number;
  readonly replayedRecords: number;
  readonly writeFailures: number;
  readonly snapshotFailures: number;
  readonly writable: boolean;
  /** The last error writing the journal or a snapshot, if any. */
  readonly lastError: string | undefined;
}
