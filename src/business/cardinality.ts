import type { Attributes } from '@opentelemetry/api';
import type { Logger } from '../log.ts';

/** The attribute set the OpenTelemetry SDK uses for folded series. */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

export interface CardinalityUsage {
  readonly metric: string;
  readonly series: number;
  readonly limit: number;
  readonly overflowed: number;
}

/**
 * Enforces the per-metric cardinality limit before recording and hands out one
 * cached attributes object per label combination.
 *
 * The SDK's own aggregationCardinalityLimit (sdk-metrics 3.1) only bounds the
 * attribute sets seen between two collections; with cumulative temporality
 * every collection admits up to `limit` new sets again, so memory and series
 * grow without bound. Here the limit holds for the agent's lifetime, exactly as
 * the SDK defines it: `limit - 1` real series plus the overflow series.
 * Overflow is never silent: it counts in qb_agent_cardinality_overflow_total
 * and logs one warning per metric.
 */
export class CardinalityGuard {
  readonly #limit: number;
  readonly #log: Logger;
  readonly #series = new Map<string, Map<string, Attributes>>();
  readonly #overflowed = new Map<string, number>();

  constructor(limit: number, log: Logger) {
    this.#limit = limit;
    this.#log = log;
  }

  /**
   * The attributes to record with: the cached object for these label values, or
   * the overflow attributes once the metric is full. `key` must identify the
   * label values uniquely (the caller joins them with a separator).
   */
  attributes(metric: string, key: string, build: () => Attributes): Attributes {
    return this.attributesFrom(metric, key, build, undefined, undefined);
  }

  /**
   * attributes() for the hot path: `build(a, b)` is called only for a new key,
   * and taking its inputs as arguments lets callers pass a module-level
   * function instead of allocating a closure per event.
   */
  attributesFrom<A, B>(metric: string, key: string, build: (a: A, b: B) => Attributes, a: A, b: B): Attributes {
    let series = this.#series.get(metric);
    if (!series) {
      series = new Map();
      this.#series.set(metric, series);
    }
    const cached = series.get(key);
    if (cached) return cached;
    if (series.size >= this.#limit - 1) {
      const count = (this.#overflowed.get(metric) ?? 0) + 1;
      this.#overflowed.set(metric, count);
      if (count === 1) {
        this.#log.warn(
          { metric, limit: this.#limit },
          'cardinality limit reached: further label combinations of this metric are folded into otel_metric_overflow="true"',
        );
      }
      return OVERFLOW_ATTRIBUTES;
    }
    const attributes = Object.freeze(build(a, b));
    series.set(key, attributes);
    return attributes;
  }

  /**
   * Re-registers a series found in a snapshot (durable state), so label values
   * seen before a restart keep their series and count against the limit.
   */
  restore(metric: string, key: string, attributes: Attributes): void {
    let series = this.#series.get(metric);
    if (!series) {
      series = new Map();
      this.#series.set(metric, series);
    }
    if (!series.has(key)) series.set(key, Object.freeze({ ...attributes }));
  }

  /** Re-registers a snapshot's overflow count (no warning: it was logged before the restart). */
  restoreOverflow(metric: string, overflowed: number): void {
    if (overflowed > 0) this.#overflowed.set(metric, overflowed);
    if (!this.#series.has(metric)) this.#series.set(metric, new Map());
  }

  /** Per-metric series in use, for self-metrics and the status page. */
  usage(): CardinalityUsage[] {
    return [...this.#series.entries()].map(([metric, series]) => ({
      metric,
      series: series.size + (this.#overflowed.has(metric) ? 1 : 0),
      limit: this.#limit,
      overflowed: this.#overflowed.get(metric) ?? 0,
    }));
  }
}
