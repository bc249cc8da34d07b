import type { Logger } from '../log.ts';
import { Backoff } from './backoff.ts';

/**
 * Failures of the journal and of snapshots: counted, logged once per change
 * of state (failing, recovered), the last one kept for operators. After a
 * failed snapshot the journal-size trigger waits 1 s, 2 s, 4 s… up to the
 * snapshot interval instead of retrying on every write.
 */
export class StoreHealth {
  readonly #dir: string;
  readonly #log: Logger;
  readonly #snapshotBackoff: Backoff;
  #writeFailures = 0;
  #snapshotFailures = 0;
  #writable = true;
  #snapshotHealthy = true;
  #lastError: string | undefined;

  constructor(dir: string, log: Logger, snapshotIntervalMs: number) {
    this.#dir = dir;
    this.#log = log;
    this.#snapshotBackoff = new Backoff(snapshotIntervalMs);
  }

  get facts(): { writeFailures: number; snapshotFailures: number; writable: boolean; lastError: string | undefined } {
    return { writeFailures: this.#writeFailures, snapshotFailures: this.#snapshotFailures, writable: this.#writable, lastError: this.#lastError };
  }

  /** Whether the journal-size trigger may start a snapshot at `nowMs` (monotonic). */
  snapshotMayStart(nowMs: number): boolean {
    return this.#snapshotBackoff.ready(nowMs);
  }

  writeFailed(err: Error): void {
    this.#writeFailures++;
    this.#lastError = `journal write: ${err.message}`;
    if (this.#writable) this.#log.error({ err, dir: this.#dir }, 'journal write failed: answering 503 to ingest until it works again; /metrics keeps serving');
    this.#writable = false;
  }

  writeSucceeded(): void {
    if (!this.#writable) this.#log.info({ dir: this.#dir }, 'journal writes recovered');
    this.#writable = true;
  }

  snapshotFailed(err: unknown, nowMs: number): void {
    this.#snapshotFailures++;
    this.#snapshotBackoff.failed(nowMs);
    this.#lastError = `snapshot: ${err instanceof Error ? err.message : String(err)}`;
    if (this.#snapshotHealthy) this.#log.warn({ err, dir: this.#dir }, 'snapshot failed; the journal keeps every record until one succeeds');
    this.#snapshotHealthy = false;
  }

  snapshotSucceeded(seq: number): void {
    if (!this.#snapshotHealthy) this.#log.info({ seq }, 'snapshots written again');
    this.#snapshotHealthy = true;
    this.#snapshotBackoff.succeeded();
  }
}
