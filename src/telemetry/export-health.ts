import type { Logger } from '../log.ts';

export type ExportOutcome = 'success' | 'failure';

export interface ExportHealthSnapshot {
  readonly successes: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  /** Unix milliseconds of the last successful export, 0 before the first. */
  readonly lastSuccessMs: number;
  readonly lastError: string | undefined;
  readonly lastErrorMs: number;
}

/**
 * Tracks OTLP export outcomes and logs only state changes (healthy → failing,
 * failing → recovered): a collector that is down for an hour yields two log
 * lines, not one per interval. The counts feed qb_agent_otlp_* self-metrics.
 */
export class ExportHealth {
  #successes = 0;
  #failures = 0;
  #consecutiveFailures = 0;
  #lastSuccessMs = 0;
  #lastError: string | undefined;
  #lastErrorMs = 0;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  recordSuccess(): void {
    if (this.#consecutiveFailures > 0) {
      this.#log.info({ failedExports: this.#consecutiveFailures }, 'OTLP export recovered');
    }
    this.#successes++;
    this.#consecutiveFailures = 0;
    this.#lastSuccessMs = this.#now();
  }

  recordFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error ?? 'unknown error');
    if (this.#consecutiveFailures === 0) {
      this.#log.warn({ error: message }, 'OTLP export failing; will keep retrying every interval and log again on recovery');
    }
    this.#failures++;
    this.#consecutiveFailures++;
    this.#lastError = message;
    this.#lastErrorMs = this.#now();
  }

  snapshot(): ExportHealthSnapshot {
    return {
      successes: this.#successes,
      failures: this.#failures,
      consecutiveFailures: this.#consecutiveFailures,
      lastSuccessMs: this.#lastSuccessMs,
      lastError: this.#lastError,
      lastErrorMs: this.#lastErrorMs,
    };
  }
}
