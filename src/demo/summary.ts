import type { DemoOptions } from './args.ts';
import type { EventType } from '../client/index.ts';
import type { RunResult } from './run.ts';
import type { ExpectedMetrics } from './tally.ts';

/** The JSON the demo prints at the end: what it sent, what the agent said, and what /metrics must show. */
export interface DemoSummary {
  readonly target: string;
  readonly scenario: string;
  readonly seed: number;
  readonly runId: string;
  readonly rate: number;
  readonly durationSec: number;
  readonly elapsedSec: number;
  /** Every planned event was sent and confirmed. */
  readonly complete: boolean;
  readonly error: string | null;
  /** Events per type in batches the agent answered 202: each is on /metrics exactly once. */
  readonly events: Readonly<Record<EventType, number>>;
  readonly batches: number;
  readonly retries: number;
  /** Sums of the agent's answers: accepted + duplicates = sum of `events`. */
  readonly accepted: number;
  readonly duplicates: number;
  /** Events whose batch may or may not have been recorded (the run ended on an error). */
  readonly unconfirmed: number;
  /**
   * The business metrics /metrics must show when this run was the agent's only
   * client (counters and histograms exactly; the active-user gauge as of the end
   * of the run, with the agent's window).
   */
  readonly expected: ExpectedMetrics;
}

export function buildSummary(
  options: DemoOptions,
  runId: string,
  result: RunResult,
  events: Readonly<Record<EventType, number>>,
  expected: ExpectedMetrics,
): DemoSummary {
  return {
    target: options.target,
    scenario: options.scenario,
    seed: options.seed,
    runId,
    rate: options.rate,
    durationSec: options.durationSec,
    elapsedSec: Math.round(result.elapsedSec * 1000) / 1000,
    complete: result.complete,
    error: result.error ?? null,
    events,
    batches: result.batches,
    retries: result.retries,
    accepted: result.accepted,
    duplicates: result.duplicates,
    unconfirmed: result.unconfirmed,
    expected,
  };
}

/** A few human lines for stderr. */
export function describeSummary(summary: DemoSummary): string {
  const types = Object.entries(summary.events)
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  const lines = [
    `demo: ${summary.complete ? 'done' : 'stopped'} after ${summary.elapsedSec}s: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.retries} retries in ${summary.batches} batches`,
    `demo: events: ${types}`,
  ];
  if (summary.unconfirmed > 0) lines.push(`demo: ${summary.unconfirmed} events in an unconfirmed batch (may or may not be recorded)`);
  if (summary.error) lines.push(`demo: error: ${summary.error}`);
  return `${lines.join('\n')}\n`;
}
