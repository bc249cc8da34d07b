import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { CATALOGUE, type MetricKey, type MetricSpec } from './catalogue.ts';
import type { ActiveUsers } from './active-users.ts';
import type { CardinalityGuard } from './cardinality.ts';
import type { BusinessEvent } from './events.ts';
import type { Grader } from './grades.ts';
import { seriesAttributes, seriesKey, type LabelSource } from './series.ts';

type SyncKey = Exclude<MetricKey, 'activeUsers'>;

/**
 * Turns validated events into OpenTelemetry measurements, one instrument per
 * catalogue row. Only the catalogue's labels are ever set, and user ids feed
 * the active-user count only.
 */
export class BusinessRecorder {
  readonly #counters = new Map<SyncKey, Counter>();
  readonly #histograms = new Map<SyncKey, Histogram>();
  readonly #guard: CardinalityGuard;
  readonly #grade: Grader;
  readonly #activeUsers: ActiveUsers;

  constructor(meter: Meter, deps: { guard: CardinalityGuard; grade: Grader; activeUsers: ActiveUsers }) {
    this.#guard = deps.guard;
    this.#grade = deps.grade;
    this.#activeUsers = deps.activeUsers;
    for (const [key, spec] of Object.entries(CATALOGUE) as Array<[MetricKey, MetricSpec]>) {
      const options = { description: spec.help, unit: spec.unit };
      if (key === 'activeUsers') {
        meter.createObservableGauge(spec.name, options).addCallback((r) => r.observe(this.#activeUsers.count()));
      } else if (spec.kind === 'counter') {
        this.#counters.set(key, meter.createCounter(spec.name, options));
      } else {
        this.#histograms.set(key, meter.createHistogram(spec.name, { ...options, advice: { explicitBucketBoundaries: [...(spec.buckets ?? [])] } }));
      }
    }
  }

  /**
   * Records one event. The event itself is the label source (its fields are
   * named as the catalogue's labels); the grade, which the event does not
   * carry, comes in a small object of its own.
   */
  record(event: BusinessEvent): void {
    switch (event.type) {
      case 'work_session':
        this.#add('workTime', event.duration_seconds, event);
        this.#add('effectiveWorkTime', event.effective_seconds, event);
        this.#add('workSessions', 1, event);
        this.#activeUsers.seen(event.user);
        return;
      case 'user_activity':
        this.#activeUsers.activity(event.user, event.state);
        return;
      case 'quality_assessment':
        this.#observe('qualityScore', event.score, event);
        this.#add('qualityAssessments', 1, { task_type: event.task_type, grade: this.#grade(event.score) });
        if (event.previous_score !== undefined) this.#observeSigned('qualityImprovement', event.score - event.previous_score, event);
        if (event.user !== undefined) this.#activeUsers.seen(event.user);
        return;
      case 'invoice':
        this.#add('invoices', 1, event);
        this.#add('invoiceAmount', event.amount_cents, event);
        this.#add('billedTime', event.billed_hours * 3600, event);
        return;
      case 'api_request':
        this.#add('apiRequests', 1, event);
        this.#observe('apiResponseTime', event.duration_seconds, event);
        return;
    }
  }

  /** The guard's cached attributes for this series (built from the catalogue row only for a new one), or the overflow attributes. */
  #attributes(metric: SyncKey, source: LabelSource): Attributes {
    const spec = CATALOGUE[metric];
    return this.#guard.attributesFrom(spec.name, seriesKey(spec, source), seriesAttributes, spec, source);
  }

  #add(metric: SyncKey, value: number, source: LabelSource): void {
    this.#counters.get(metric)!.add(value, this.#attributes(metric, source));
  }

  #observe(metric: SyncKey, value: number, source: LabelSource): void {
    this.#histograms.get(metric)!.record(value, this.#attributes(metric, source));
  }

  /**
   * Records a value that may be negative. The OpenTelemetry API drops negative
   * histogram measurements (it expects durations and sizes), but a score
   * improvement is signed by definition and the catalogue gives it negative
   * buckets. The SDK's aggregation handles negatives; only the API-level guard
   * rejects them, so we call the SDK's unguarded `_record`. sdk-metrics is
   * pinned, and test/ingest/recording.test.ts fails loudly if this ever stops
   * recording negatives.
   */
  #observeSigned(metric: SyncKey, value: number, source: LabelSource): void {
    const attributes = this.#attributes(metric, source);
    const histogram = this.#histograms.get(metric)! as Histogram & { _record?: (v: number, a: Attributes) => void };
    if (value >= 0 || typeof histogram._record !== 'function') histogram.record(value, attributes);
    else histogram._record(value, attributes);
  }
}
