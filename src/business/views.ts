import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { CATALOGUE, type MetricSpec } from './catalogue.ts';

/**
 * SDK views for the business metrics, derived from the catalogue: explicit
 * histogram buckets and the cardinality limit as a backstop to CardinalityGuard.
 *
 * No attribute allow-list processor: it copied the attributes on every record
 * (and handed the SDK a fresh object each time). Only catalogue labels can reach
 * these instruments already: BusinessRecorder builds every attribute object
 * from its catalogue row's labels and CardinalityGuard hands out those frozen
 * objects or the overflow attributes. test/business/labels.test.ts proves it
 * on /metrics for every event type, optional field and the overflow path.
 */
export function businessViews(cardinalityLimit: number): ViewOptions[] {
  return Object.values(CATALOGUE).map((spec: MetricSpec) => ({
    instrumentName: spec.name,
    aggregationCardinalityLimit: cardinalityLimit,
    ...(spec.buckets
      ? { aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...spec.buckets], recordMinMax: true } } }
      : {}),
  }));
}
