import { setTimeout as sleep } from 'node:timers/promises';
import type { EventGenerator } from './generator.ts';
import type { ProgressSink } from './progress.ts';
import { SendError, type Sender } from './sender.ts';
import type { Tally } from './tally.ts';

export interface RunOptions {
  readonly generator: EventGenerator;
  readonly sender: Sender;
  readonly tally: Tally;
  readonly progress: ProgressSink;
  /** Events per second. */
  readonly rate: number;
  /** Seconds to run; 0 = until `stop`. The run sends exactly round(rate × duration) events. */
  readonly durationSec: number;
  readonly batchSize: number;
  /** Graceful stop (first Ctrl-C, SIGTERM): finish the batch in flight, then end. */
  readonly stop: AbortSignal;
  /** Hard stop (second Ctrl-C): abandon the batch in flight. */
  readonly abort: AbortSignal;
  readonly tickMs?: number;
  readonly now?: () => number;
}

export interface RunResult {
  /** Events in batches the agent answered 202 (each recorded exactly once). */
  readonly confirmed: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly batches: number;
  readonly retries: number;
  /** Events of a batch whose outcome is unknown (the run stopped on an error or a hard stop). */
  readonly unconfirmed: number;
  readonly elapsedSec: number;
  /** True when every planned event was confirmed. */
  readonly complete: boolean;
  readonly error: string | undefined;
}

/**
 * Paces the stream: at wall-clock time t, the events due are the first
 * rate × t of the planned round(rate × duration); whatever is due goes out in
 * batches of at most batchSize, one batch in flight at a time, so the agent
 * records events in the order they were generated. A slow agent makes the run
 * fall behind and catch up in larger batches; it never drops events.
 */
export async function runDemo(options: RunOptions): Promise<RunResult> {
  const now = options.now ?? Date.now;
  // Clients batch: a request every 250 ms or so carries what became due since.
  const tickMs = options.tickMs ?? 250;
  const planned = options.durationSec > 0 ? Math.round(options.rate * options.durationSec) : Infinity;
  const start = now();
  let confirmed = 0;
  let accepted = 0;
  let duplicates = 0;
  let batches = 0;
  let retries = 0;
  let unconfirmed = 0;
  let error: string | undefined;
  const snapshot = () => ({
    elapsedSec: (now() - start) / 1000,
    durationSec: options.durationSec,
    sent: confirmed,
    accepted,
    duplicates,
    retries,
  });

  while (confirmed < planned && !options.stop.aborted) {
    const due = Math.min(planned, Math.floor((options.rate * (now() - start)) / 1000));
    if (due <= options.generator.generated) {
      try {
        await sleep(tickMs, undefined, { signal: options.stop });
      } catch {
        break;
      }
      continue;
    }
    const batch = options.generator.take(Math.min(options.batchSize, due - options.generator.generated));
    try {
      const result = await options.sender.send(batch, options.abort);
      options.tally.add(batch, now());
      confirmed += batch.length;
      accepted += result.accepted;
      duplicates += result.duplicates;
      retries += result.retries;
      batches++;
    } catch (err) {
      if (!(err instanceof SendError)) throw err;
      // A batch refused with a 4xx was not recorded (batches are atomic); after
      // timeouts or a hard stop, the agent may or may not have recorded it.
      if (err.status === undefined || err.status >= 500) unconfirmed = batch.length;
      error = err.message;
      break;
    }
    options.progress.update(snapshot());
  }
  const final = snapshot();
  options.progress.done(final);
  return {
    confirmed,
    accepted,
    duplicates,
    batches,
    retries,
    unconfirmed,
    elapsedSec: final.elapsedSec,
    complete: confirmed === planned,
    error,
  };
}
