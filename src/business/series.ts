import type { Attributes } from '@opentelemetry/api';
import type { MetricSpec } from './catalogue.ts';

/** Where a series' label values are read: an event, a point's attributes from a snapshot, or a few derived values. */
export type LabelSource = Readonly<Record<string, unknown>>;

/** Cannot occur in a label value: validation forbids control characters in every text field. */
const SEPARATOR = '\u0001';

/**
 * The key of one series of a business metric: its label values in the
 * catalogue's label order, as strings, joined by U+0001. The recorder keys
 * the cardinality guard with it, and the snapshot restore re-registers the
 * restored series under it: both must build the very same key, or restored
 * series would be counted again (and past the limit) when they next record.
 */
export function seriesKey(spec: MetricSpec, source: LabelSource): string {
  const { labels } = spec;
  if (labels.length === 0) return '';
  let key = String(source[labels[0]!]);
  for (let i = 1; i < labels.length; i++) key += SEPARATOR + String(source[labels[i]!]);
  return key;
}

/** The attributes of a series: exactly the catalogue's labels, in its order, with string values. */
export function seriesAttributes(spec: MetricSpec, source: LabelSource): Attributes {
  const attributes: Attributes = {};
  for (const label of spec.labels) attributes[label] = String(source[label]);
  return attributes;
}
