import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { DataPointType, MetricReader, type Histogram as HistogramValue } from '@opentelemetry/sdk-metrics';
import { CATALOGUE, type MetricSpec } from './catalogue.ts';

/** One counter series: attributes and cumulative sum. */
export interface CounterPoint {
  readonly a: Attributes;
  readonly v: number;
}

/** One histogram series: bucket counts (boundaries from the catalogue), sum, count, min and max (null: none). */
export interface HistogramPoint {
  readonly a: Attributes;
  readonly c: number[];
  readonly s: number;
  readonly n: number;
  readonly min: number | null;
  readonly max: number | null;
}

/** Cumulative state of every business metric, keyed by instrument name. */
export type MetricsState = Record<string, { counters?: CounterPoint[]; histograms?: HistogramPoint[] }>;

/**
 * A reader that only collects when asked: the snapshot's view of the SDK.
 * Cumulative temporality, so each collection holds every value since start
 * (restored values included).
 */
export class SnapshotReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const SPECS: ReadonlyMap<string, MetricSpec> = new Map(
  (Object.values(CATALOGUE) as MetricSpec[]).filter((s) => s.kind !== 'gauge').map((s) => [s.name, s]),
);

/** Longest a snapshot waits for the observable callbacks of one collection. */
export const SNAPSHOT_COLLECT_TIMEOUT_MS = 2000;

/** Reads the business metrics' cumulative points exactly as the SDK holds them. */
export async function captureMetrics(reader: SnapshotReader, scopeName: string): Promise<MetricsState> {
  // Observable callbacks (host metrics) run in every collection; a slow one must not hold
  // back the snapshot, and with it the batches waiting to be applied. Business
  // instruments are synchronous and are captured whatever the callbacks do.
  const { resourceMetrics, errors } = await reader.collect({ timeoutMillis: SNAPSHOT_COLLECT_TIMEOUT_MS });
  if (errors.length > 0 && resourceMetrics.scopeMetrics.length === 0) throw new Error(`metrics collection failed: ${errors.map(String).join('; ')}`);
  const state: MetricsState = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    if (scope.scope.name !== scopeName) continue;
    for (const metric of scope.metrics) {
      if (!SPECS.has(metric.descriptor.name)) continue;
      if (metric.dataPointType === DataPointType.SUM) {
        state[metric.descriptor.name] = { counters: metric.dataPoints.map((p) => ({ a: p.attributes, v: p.value })) };
      } else if (metric.dataPointType === DataPointType.HISTOGRAM) {
        state[metric.descriptor.name] = {
          histograms: metric.dataPoints.map((p) => {
            const h: HistogramValue = p.value;
            return { a: p.attributes, c: [...h.buckets.counts], s: h.sum ?? 0, n: h.count, min: h.min ?? null, max: h.max ?? null };
          }),
        };
      }
    }
  }
  return state;
}

/**
 * Puts captured state back into the SDK before anything else records, so the
 * next collection reports exactly the captured values.
 *
 * Counters go through the public API: adding the captured sum to a fresh
 * accumulation (0 + S) reproduces S bit for bit. Histograms cannot: the API
 * records one value at a time, and no sequence of values reproduces a given
 * set of bucket counts, sum, min and max in general. So the series is created
 * with one record() and its fresh accumulation is then overwritten with the
 * captured point. That reaches into sdk-metrics internals (pinned at 3.1.0);
 * if they move, this throws at startup rather than restoring wrong numbers, and
 * test/reliability/torn-journal.test.ts (snapshot restarts) fails.
 */
export function seedMetrics(meter: Meter, state: MetricsState): void {
  for (const [name, entry] of Object.entries(state)) {
    const spec = SPECS.get(name);
    if (!spec) continue;
    const options = { description: spec.help, unit: spec.unit };
    if (spec.kind === 'counter') {
      const counter: Counter = meter.createCounter(spec.name, options);
      for (const p of entry.counters ?? []) counter.add(p.v, p.a);
    } else {
      const histogram = meter.createHistogram(spec.name, { ...options, advice: { explicitBucketBoundaries: [...(spec.buckets ?? [])] } });
      for (const p of entry.histograms ?? []) seedHistogramPoint(histogram, spec, p);
    }
  }
}

interface HistogramCheckpoint {
  buckets: { boundaries: number[]; counts: number[] };
  sum: number;
  count: number;
  hasMinMax: boolean;
  min: number;
  max: number;
}

interface InternalStorage {
  _deltaMetricStorage?: { _activeCollectionStorage?: { get(key: Attributes): { _current?: HistogramCheckpoint } | undefined } };
}

function seedHistogramPoint(histogram: Histogram, spec: MetricSpec, point: HistogramPoint): void {
  if (point.c.length !== (spec.buckets?.length ?? 0) + 1) {
    throw new Error(`snapshot of ${spec.name} has ${point.c.length} buckets; the catalogue defines ${(spec.buckets?.length ?? 0) + 1}`);
  }
  histogram.record(0, point.a);
  const writable = (histogram as unknown as { _writableMetricStorage?: InternalStorage & { _backingStorages?: InternalStorage[] } })._writableMetricStorage;
  const storages = writable?._backingStorages ?? (writable ? [writable] : []);
  let seeded = 0;
  for (const storage of storages) {
    const accumulation = storage._deltaMetricStorage?._activeCollectionStorage?.get(point.a);
    const current = accumulation?._current;
    if (!current || current.count !== 1 || current.buckets.counts.length !== point.c.length) continue;
    current.buckets.counts = [...point.c];
    current.sum = point.s;
    current.count = point.n;
    current.hasMinMax = point.min !== null;
    current.min = point.min ?? Infinity;
    current.max = point.max ?? -Infinity;
    seeded++;
  }
  if (seeded === 0) throw new Error(`cannot restore histogram ${spec.name} exactly: the sdk-metrics internals this relies on have changed`);
}
