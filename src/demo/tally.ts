import { CATALOGUE, prometheusName, type MetricSpec } from '../business/catalogue.ts';
import type { GradeThreshold } from '../config/formats.ts';
import { EVENT_TYPES } from '../business/events.ts';
import type { BusinessEvent, EventType } from '../client/index.ts';

export type Labels = Readonly<Record<string, string>>;

export interface CounterSeries {
  readonly labels: Labels;
  readonly value: number;
}

export interface HistogramSeries {
  readonly labels: Labels;
  readonly count: number;
  readonly sum: number;
  /**
   * Cumulative counts in bucket order, each with its `le` label exactly as
   * /metrics writes it ("0.005", "-50", "+Inf"). A list, not an object: integer-like
   * keys would lose their order in JSON.
   */
  readonly buckets: readonly { readonly le: string; readonly count: number }[];
}

/** What /metrics must show for the business metrics once every accepted event is recorded. */
export interface ExpectedMetrics {
  /** Keyed by Prometheus name (`quality_billing_..._total`). */
  readonly counters: Readonly<Record<string, readonly CounterSeries[]>>;
  readonly histograms: Readonly<Record<string, readonly HistogramSeries[]>>;
  readonly gauges: Readonly<Record<string, number>>;
}

interface HistogramAcc {
  readonly labels: Labels;
  count: number;
  sum: number;
  /** Per-bucket (not cumulative) counts; the last one is +Inf. */
  readonly counts: number[];
}

export interface TallyOptions {
  readonly gradeThresholds: readonly GradeThreshold[];
  readonly activeUserWindowSec: number;
}

/**
 * Accumulates the events the agent accepted into the values its /metrics must
 * show, following the catalogue (names, labels, buckets) and the ingest
 * contract (grades from the thresholds, billed hours × 3600, improvement only
 * with a previous score). Events are added in the order they were sent, so
 * floating-point sums come out bit-identical to the agent's.
 */
export class Tally {
  readonly #options: TallyOptions;
  readonly #counts = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
  readonly #counters = new Map<string, Map<string, CounterSeries>>();
  readonly #histograms = new Map<string, Map<string, HistogramAcc>>();
  /** user → [last event time (ms), latest user_activity state]. */
  readonly #users = new Map<string, { lastMs: number; inactive: boolean }>();

  constructor(options: TallyOptions) {
    this.#options = options;
  }

  /** Events per type added so far. */
  get counts(): Readonly<Record<EventType, number>> {
    return { ...this.#counts };
  }

  /** Adds the events of one accepted batch, received at `nowMs`. */
  add(events: readonly BusinessEvent[], nowMs: number): void {
    for (const event of events) this.#addOne(event, nowMs);
  }

  #addOne(event: BusinessEvent, nowMs: number): void {
    this.#counts[event.type]++;
    switch (event.type) {
      case 'work_session': {
        const labels = { task_type: event.task_type };
        this.#count(CATALOGUE.workTime, labels, event.duration_seconds);
        this.#count(CATALOGUE.effectiveWorkTime, labels, event.effective_seconds);
        this.#count(CATALOGUE.workSessions, labels, 1);
        this.#seen(event.user, nowMs);
        break;
      }
      case 'user_activity': {
        this.#seen(event.user, nowMs, event.state === 'inactive');
        break;
      }
      case 'quality_assessment': {
        const labels = { task_type: event.task_type };
        this.#observe(CATALOGUE.qualityScore, labels, event.score);
        this.#count(CATALOGUE.qualityAssessments, { task_type: event.task_type, grade: this.#grade(event.score) }, 1);
        if (event.previous_score !== undefined) this.#observe(CATALOGUE.qualityImprovement, labels, event.score - event.previous_score);
        if (event.user !== undefined) this.#seen(event.user, nowMs);
        break;
      }
      case 'invoice': {
        const labels = { currency: event.currency, quality_grade: event.quality_grade };
        this.#count(CATALOGUE.invoices, labels, 1);
        this.#count(CATALOGUE.invoiceAmount, labels, event.amount_cents);
        this.#count(CATALOGUE.billedTime, labels, event.billed_hours * 3600);
        break;
      }
      case 'api_request': {
        this.#count(CATALOGUE.apiRequests, { route: event.route, method: event.method, status_code: String(event.status_code) }, 1);
        this.#observe(CATALOGUE.apiResponseTime, { route: event.route, method: event.method }, event.duration_seconds);
        break;
      }
    }
  }

  /** The expected business metrics; the active-user gauge as of `nowMs`. */
  expected(nowMs: number): ExpectedMetrics {
    const counters: Record<string, CounterSeries[]> = {};
    for (const [name, series] of this.#counters) counters[name] = [...series.values()];
    const histograms: Record<string, HistogramSeries[]> = {};
    for (const [name, series] of this.#histograms) {
      const spec = Object.values(CATALOGUE).find((s) => s.name === name) as MetricSpec;
      histograms[name] = [...series.values()].map((h) => toHistogramSeries(h, spec.buckets ?? []));
    }
    const windowStart = nowMs - this.#options.activeUserWindowSec * 1000;
    let active = 0;
    for (const { lastMs, inactive } of this.#users.values()) if (!inactive && lastMs >= windowStart) active++;
    return { counters, histograms, gauges: { [CATALOGUE.activeUsers.name]: active } };
  }

  #count(spec: MetricSpec, labels: Labels, value: number): void {
    const name = prometheusName(spec);
    let series = this.#counters.get(name);
    if (!series) this.#counters.set(name, (series = new Map()));
    const key = labelKey(labels);
    series.set(key, { labels, value: (series.get(key)?.value ?? 0) + value });
  }

  #observe(spec: MetricSpec, labels: Labels, value: number): void {
    const buckets = spec.buckets ?? [];
    let series = this.#histograms.get(spec.name);
    if (!series) this.#histograms.set(spec.name, (series = new Map()));
    const key = labelKey(labels);
    let acc = series.get(key);
    if (!acc) series.set(key, (acc = { labels, count: 0, sum: 0, counts: new Array<number>(buckets.length + 1).fill(0) }));
    acc.count++;
    acc.sum += value;
    // Upper bounds are inclusive, as in OpenTelemetry and Prometheus (`le`).
    const index = buckets.findIndex((b) => value <= b);
    acc.counts[index === -1 ? buckets.length : index]!++;
  }

  #seen(user: string, nowMs: number, inactive?: boolean): void {
    const previous = this.#users.get(user);
    this.#users.set(user, { lastMs: nowMs, inactive: inactive ?? previous?.inactive ?? false });
  }

  #grade(score: number): string {
    const found = this.#options.gradeThresholds.find((g) => score >= g.min);
    if (!found) throw new Error(`no grade for score ${score}`);
    return found.grade;
  }
}

function toHistogramSeries(h: HistogramAcc, bounds: readonly number[]): HistogramSeries {
  let cumulative = 0;
  const buckets = bounds.map((bound, i) => ({ le: String(bound), count: (cumulative += h.counts[i]!) }));
  buckets.push({ le: '+Inf', count: h.count });
  return { labels: h.labels, count: h.count, sum: h.sum, buckets };
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
