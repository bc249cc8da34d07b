import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FastPrometheusSerializer } from '../../src/telemetry/prometheus-serializer.ts';

type SerializerArgs = [prefix?: string, appendTimestamp?: boolean, constantLabels?: RegExp, withoutTargetInfo?: boolean, withoutScopeInfo?: boolean];

/** Upstream's output and ours, for the same input and options; plus every chunking of ours. */
function both(rm: ResourceMetrics, args: SerializerArgs = [], pointsPerChunk = 3) {
  const upstream = new PrometheusSerializer(...args).serialize(rm);
  const [prefix, appendTimestamp, constantLabels, withoutTargetInfo, withoutScopeInfo] = args;
  const fast = new FastPrometheusSerializer(prefix, appendTimestamp, constantLabels, withoutTargetInfo, withoutScopeInfo, pointsPerChunk);
  const chunks = [...fast.chunks(rm)];
  return { upstream, fast: fast.serialize(rm), chunked: chunks.join(''), chunks };
}

async function collect(setup: (provider: MeterProvider) => void, resourceAttributes: Record<string, string> = { 'service.name': 'svc' }) {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(resourceAttributes),
    readers: [reader],
    views: [
      { instrumentName: 'limited', aggregationCardinalityLimit: 3 },
      {
        instrumentName: 'inf_buckets',
        aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0, 1.5, Infinity] } },
      },
    ],
  });
  setup(provider);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

describe('FastPrometheusSerializer against upstream PrometheusSerializer', () => {
  it('writes exactly these bytes for a counter and a histogram (format pin)', async () => {
    const rm = await collect((p) => {
      const m = p.getMeter('scope', '1.2.3');
      m.createCounter('jobs.done', { description: 'Jobs "done"\\ with\nnewline', unit: 's' }).add(2, { q: 'a"b\\c\nd' });
      m.createHistogram('lat', { advice: { explicitBucketBoundaries: [0.5, 1] } }).record(0.7, { r: 'x' });
    });
    const { upstream, fast } = both(rm);
    const expected = [
      '# HELP target_info Target metadata',
      '# TYPE target_info gauge',
      'target_info{service_name="svc"} 1',
      '# HELP jobs_done_total Jobs "done"\\\\ with\\nnewline',
      '# UNIT jobs_done_total s',
      '# TYPE jobs_done_total counter',
      'jobs_done_total{q="a\\"b\\\\c\\nd",otel_scope_name="scope",otel_scope_version="1.2.3"} 2',
      '# HELP lat description missing',
      '# TYPE lat histogram',
      'lat_count{r="x",otel_scope_name="scope",otel_scope_version="1.2.3"} 1',
      'lat_sum{r="x",otel_scope_name="scope",otel_scope_version="1.2.3"} 0.7',
      'lat_bucket{r="x",otel_scope_name="scope",otel_scope_version="1.2.3",le="0.5"} 0',
      'lat_bucket{r="x",otel_scope_name="scope",otel_scope_version="1.2.3",le="1"} 1',
      'lat_bucket{r="x",otel_scope_name="scope",otel_scope_version="1.2.3",le="+Inf"} 1',
      '',
    ].join('\n');
    expect(fast).toBe(expected);
    expect(upstream).toBe(expected);
  });

  it('matches on real collected data: every instrument kind, escaping, overflow, scopes, +Inf boundaries', async () => {
    const rm = await collect(
      (p) => {
        const a = p.getMeter('alpha', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
        const b = p.getMeter('beta');
        a.createCounter('http.requests', { description: 'Requests', unit: '{request}' }).add(5, { route: '/a', code: 200, ok: true });
        const c = a.createCounter('limited', { description: 'overflows at 3 series' });
        for (let i = 0; i < 10; i++) c.add(i, { k: `v${i}` });
        a.createUpDownCounter('queue.depth').add(-3, { 'weird.key-name': 'x' });
        a.createGauge('temp', { unit: 'Cel' }).record(-12.5, {});
        a.createObservableGauge('obs', { description: 'observed' }).addCallback((r) => {
          r.observe(1, { s: 'line1\nline2' });
          r.observe(2, { s: 'back\\slash "quoted"' });
          r.observe(3, { s: 'only "quotes"' });
        });
        const h = a.createHistogram('latency', { description: 'help with \\ and \n', unit: 'ms' });
        h.record(3, { path: 'a' });
        h.record(7000, { path: 'b' });
        h.record(1e-9, {});
        b.createHistogram('inf_buckets').record(99, { z: '1' });
        b.createCounter('1starts.with.digit').add(1);
        b.createCounter('already_total').add(4, { arr: 'x' });
        // Same name in two scopes: one family, HELP written once.
        b.createCounter('http.requests', { description: 'Requests', unit: '{request}' }).add(1, { route: '/b' });
        // Same name, other type: upstream drops the family; so must we.
        a.createCounter('conflict').add(1);
        b.createHistogram('conflict').record(1);
      },
      { 'service.name': 'svc', 'weird"attr': 'va\\l\nue', 'deployment.environment.name': 'test' },
    );
    for (const args of [
      [],
      ['pre', true],
      [undefined, false, /service|deploy/],
      [undefined, false, undefined, true],
      [undefined, false, undefined, false, true],
      ['x', true, /.*/, true, true],
    ] as SerializerArgs[]) {
      const { upstream, fast, chunked, chunks } = both(rm, args);
      expect(fast).toBe(upstream);
      expect(chunked).toBe(upstream);
      expect(chunks.length).toBeGreaterThan(1);
    }
    expect(both(rm).upstream).toContain('otel_metric_overflow="true"');
  });

  it('matches for an empty collection ("# no registered metrics")', () => {
    const rm: ResourceMetrics = { resource: resourceFromAttributes({ a: 'b' }), scopeMetrics: [] };
    for (const args of [[], [undefined, false, undefined, true]] as SerializerArgs[]) {
      const { upstream, fast } = both(rm, args);
      expect(fast).toBe(upstream);
    }
    expect(new FastPrometheusSerializer(undefined, false, undefined, true).serialize(rm)).toBe('# no registered metrics');
  });

  it('matches on hand-built data the SDK does not produce: NaN, ±Inf, non-string attributes, a constant label named le', () => {
    const rm = synthetic([
      sum('s', [
        { value: NaN, attributes: { n: 1, b: false, arr: ['x"y', 'z\\'] } },
        { value: Infinity, attributes: {} },
        { value: -Infinity, attributes: { u: undefined as unknown as string } },
      ]),
      histogram('h', [0, Infinity], [1, 2, 0], { le: 'own' }),
      histogram('h2', [], [5], {}),
    ], { le: 'constant', x: 'y' });
    for (const args of [[], [undefined, true, /^le$|x/], [undefined, false, /le/, false, true]] as SerializerArgs[]) {
      const { upstream, fast, chunked } = both(rm, args, 1);
      expect(fast).toBe(upstream);
      expect(chunked).toBe(upstream);
    }
  });

  it('matches for random names, HELP, units, label keys and values, values and options (fast-check)', async () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '\\', '\n', 'a\\nb', '\\"', 'é€😀', ''));
    const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/);
    const labels = fc.dictionary(fc.oneof(fc.stringMatching(/^[a-zA-Z_.][a-zA-Z0-9_.-]{0,6}$/), fc.constant('le')), text, { maxKeys: 3 });
    const instrument = fc.record({
      kind: fc.constantFrom('counter', 'updown', 'gauge', 'histogram'),
      name,
      description: text,
      unit: fc.constantFrom('', 's', 'By', '{event}'),
      points: fc.array(fc.record({ labels, value: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(instrument, { maxLength: 5 }),
        fc.dictionary(fc.stringMatching(/^[a-z.]{1,6}$/), text, { maxKeys: 3 }),
        fc.record({
          prefix: fc.option(fc.constantFrom('p', 'my.app'), { nil: undefined }),
          ts: fc.boolean(),
          constant: fc.option(fc.constantFrom(/a/, /.*/), { nil: undefined }),
          noTarget: fc.boolean(),
          noScope: fc.boolean(),
        }),
        fc.integer({ min: 1, max: 5 }),
        async (instruments, resource, o, pointsPerChunk) => {
          const rm = await collect((p) => {
            const meter = p.getMeter('m', '0.1');
            for (const spec of instruments) {
              const opts = { description: spec.description, unit: spec.unit };
              for (const point of spec.points) {
                const v = Math.abs(point.value);
                if (spec.kind === 'counter') meter.createCounter(spec.name, opts).add(v, point.labels);
                else if (spec.kind === 'updown') meter.createUpDownCounter(spec.name, opts).add(point.value, point.labels);
                else if (spec.kind === 'gauge') meter.createGauge(spec.name, opts).record(point.value, point.labels);
                else meter.createHistogram(spec.name, opts).record(v, point.labels);
              }
            }
          }, resource);
          const { upstream, fast, chunked } = both(rm, [o.prefix, o.ts, o.constant, o.noTarget, o.noScope], pointsPerChunk);
          expect(fast).toBe(upstream);
          expect(chunked).toBe(upstream);
        },
      ),
      { numRuns: 150 },
    );
  });
});

// Hand-built ResourceMetrics, for inputs the SDK never collects.
const T = [1, 0] as [number, number];

function sum(name: string, points: Array<{ value: number; attributes: Record<string, unknown> }>): MetricData {
  return {
    descriptor: { name, description: 'd', unit: '', type: 'COUNTER', valueType: 1, advice: {} },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points.map((p) => ({ startTime: T, endTime: T, value: p.value, attributes: p.attributes })),
  } as unknown as MetricData;
}

function histogram(name: string, boundaries: number[], counts: number[], attributes: Record<string, unknown>): MetricData {
  return {
    descriptor: { name, description: '', unit: '', type: 'HISTOGRAM', valueType: 1, advice: {} },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [
      {
        startTime: T,
        endTime: [2, 500_000],
        attributes,
        value: { buckets: { boundaries, counts }, sum: 3, count: counts.reduce((a, b) => a + b, 0), min: 0, max: 3 },
      },
    ],
  } as unknown as MetricData;
}

function synthetic(metrics: MetricData[], resource: Record<string, string>): ResourceMetrics {
  return { resource: resourceFromAttributes(resource), scopeMetrics: [{ scope: { name: 'syn', version: '9' }, metrics }] };
}
