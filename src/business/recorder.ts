import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { CATALOGUE, type MetricKey, type MetricSpec } from './catalogue.ts';
import type { ActiveUsers } from './active-users.ts';
import type { CardinalityGuard } from './cardinality.ts';
import type { ApiRequestEvent, BusinessEvent, InvoiceEvent, QualityAssessmentEvent } from './events.ts';
import type { Grader } from './grades.ts';

type SyncKey = Exclude<MetricKey, 'activeUsers'>;

/** Separator for cardinality keys; cannot occur in label values (validation forbids control characters). */
const SEP = '\u0001';

// Attribute builders, called once per new label combination. Module-level
// functions taking their inputs as arguments: recording allocates no closure per event.
const byTaskType = (e: { task_type: string }): Attributes => ({ task_type: e.task_type });
const byTaskTypeAndGrade = (e: QualityAssessmentEvent, grade: string): Attributes => ({ task_type: e.task_type, grade });
const byInvoice = (e: InvoiceEvent): Attributes => ({ currency: e.currency, quality_grade: e.quality_grade });
const byRequest = (e: ApiRequestEvent, status: string): Attributes => ({ route: e.route, method: e.method, status_code: status });
const byRoute = (e: ApiRequestEvent): Attributes => ({ route: e.route, method: e.method });

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

  record(event: BusinessEvent): void {
    switch (event.type) {
      case 'work_session': {
        const key = event.task_type;
        this.#add('workTime', event.duration_seconds, this.#attrs('workTime', key, byTaskType, event));
        this.#add('effectiveWorkTime', event.effective_seconds, this.#attrs('effectiveWorkTime', key, byTaskType, event));
        this.#add('workSessions', 1, this.#attrs('workSessions', key, byTaskType, event));
        this.#activeUsers.seen(event.user);
        return;
      }
      case 'user_activity':
        this.#activeUsers.activity(event.user, event.state);
        return;
      case 'quality_assessment': {
        const grade = this.#grade(event.score);
        this.#observe('qualityScore', event.score, this.#attrs('qualityScore', event.task_type, byTaskType, event));
        this.#add('qualityAssessments', 1, this.#attrs('qualityAssessments', `${event.task_type}${SEP}${grade}`, byTaskTypeAndGrade, event, grade));
        if (event.previous_score !== undefined) {
          this.#observeSigned('qualityImprovement', event.score - event.previous_score, this.#attrs('qualityImprovement', event.task_type, byTaskType, event));
        }
        if (event.user !== undefined) this.#activeUsers.seen(event.user);
        return;
      }
      case 'invoice': {
        const key = `${event.currency}${SEP}${event.quality_grade}`;
        this.#add('invoices', 1, this.#attrs('invoices', key, byInvoice, event));
        this.#add('invoiceAmount', event.amount_cents, this.#attrs('invoiceAmount', key, byInvoice, event));
        this.#add('billedTime', event.billed_hours * 3600, this.#attrs('billedTime', key, byInvoice, event));
        return;
      }
      case 'api_request': {
        const status = String(event.status_code);
        const route = `${event.route}${SEP}${event.method}`;
        this.#add('apiRequests', 1, this.#attrs('apiRequests', `${route}${SEP}${status}`, byRequest, event, status));
        this.#observe('apiResponseTime', event.duration_seconds, this.#attrs('apiResponseTime', route, byRoute, event));
        return;
      }
    }
  }

  #attrs<E, B>(metric: SyncKey, key: string, build: (event: E, extra: B) => Attributes, event: E, extra?: B): Attributes {
    return this.#guard.attributesFrom(CATALOGUE[metric].name, key, build, event, extra as B);
  }

  #add(metric: SyncKey, value: number, attributes: Attributes): void {
    this.#counters.get(metric)!.add(value, attributes);
  }

  #observe(metric: SyncKey, value: number, attributes: Attributes): void {
    this.#histograms.get(metric)!.record(value, attributes);
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
  #observeSigned(metric: SyncKey, value: number, attributes: Attributes): void {
    const histogram = this.#histograms.get(metric)! as Histogram & { _record?: (v: number, a: Attributes) => void };
    if (value >= 0 || typeof histogram._record !== 'function') histogram.record(value, attributes);
    else histogram._record(value, attributes);
  }
}
