/**
 * What the status page shows about durable state (issue 6). The state
 * component implements DurableStateProvider and the agent passes it to the
 * status report; without one the page says "durable state: off".
 */
export interface DurableStateInfo {
  /** Directory holding the journal and snapshots. */
  readonly dir: string;
  /** Bytes in the journal since the last snapshot. */
  readonly journalBytes: number;
  /** Records (accepted batches or events) in the journal since the last snapshot. */
  readonly journalRecords: number;
  /** Unix milliseconds of the last snapshot written, 0 when none yet. */
  readonly lastSnapshotMs: number;
  /** The last error writing the journal or a snapshot, if any. */
  readonly lastError?: string | undefined;
}

export interface DurableStateProvider {
  durableStateInfo(): DurableStateInfo;
}
