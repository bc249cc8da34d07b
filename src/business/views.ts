import { AggregationType, createAllowListAttributesProcessor, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { CATALOGUE, type MetricSpec } from './catalogue.ts';

/**
 * SDK views for the business metrics, derived from the catalogue: explicit
 * histogram buckets, an attribute allow-list (a recording bug cannot add a
 * label) and the cardinality limit as a backstop to CardinalityGuard.
 */
export function businessViews(cardinalityLimit: number): ViewOptions[] {
  return Object.values(CATALOGUE).map((spec: MetricSpec) => ({
    instrumentName: spec.name,
    attributesProcessors: [createAllowListAttributesProcessor([...spec.labels, 'otel.metric.overflow'])],
    aggregationCardinalityLimit: cardinalityLimit,
    ...(spec.buckets
      ? { aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...spec.buckets], recordMinMax: true } } }
      : {}),
  }));
}
