/**
 * W2 in-process: render one scrape of N counter or histogram series three ways
 * in the same process (run it pinned to one CPU): the OpenTelemetry exporter's
 * own serializer, the agent's scrape path (FastPrometheusSerializer, time-sliced)
 * and prom-client's registry. Prints one JSON line of medians over --reps.
 *
 * node bench/micro/render.ts --kind counter|histogram --series 10000 --reps 5
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { API_RESPONSE_TIME_BUCKETS } from '../../src/business/catalogue.ts';
import { PrometheusPull } from '../../src/telemetry/prometheus-pull.ts';
import { FastPrometheusSerializer } from '../../src/telemetry/prometheus-serializer.ts';
import { median } from '../lib/stats.ts';

const { values } = parseArgs({
  options: { kind: { type: 'string', default: 'counter' }, series: { type: 'string', default: '1000' }, reps: { type: 'string', default: '5' } },
});
const kind = values.kind === 'histogram' ? 'histogram' : 'counter';
const series = Number(values.series);
const reps = Number(values.reps);
const NAME = kind === 'counter' ? 'bench_requests' : 'bench_latency_seconds';
const labels = (i: number) => ({ route: `/api/v1/resource${i}/:id`, method: i % 2 ? 'GET' : 'POST' });
const value = (i: number) => (i % 97) * 0.013;

// OpenTelemetry side: the agent's reader; the cardinality limit raised so every series is kept.
const pull = new PrometheusPull(pino({ level: 'silent' }));
const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': 'bench', 'service.instance.id': 'bench:1' }),
  readers: [pull.reader],
  views: [
    {
      instrumentName: NAME,
      aggregationCardinalityLimit: series + 10,
      ...(kind === 'histogram'
        ? { aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...API_RESPONSE_TIME_BUCKETS] } } }
        : {}),
    },
  ],
});
const meter = provider.getMeter('qb-agent', '0.1.0');
const registry = new Registry();
if (kind === 'counter') {
  const c = meter.createCounter(NAME, { description: 'Requests.' });
  const pc = new Counter({ name: `${NAME}_total`, help: 'Requests.', labelNames: ['route', 'method'], registers: [registry] });
  for (let i = 0; i < series; i++) {
    c.add(1 + value(i), labels(i));
    pc.inc(labels(i), 1 + value(i));
  }
} else {
  const h = meter.createHistogram(NAME, { description: 'Latency.', unit: 's' });
  const ph = new Histogram({ name: NAME, help: 'Latency.', labelNames: ['route', 'method'], buckets: [...API_RESPONSE_TIME_BUCKETS], registers: [registry] });
  for (let i = 0; i < series; i++) {
    for (const v of [value(i), value(i) * 10]) {
      h.record(v, labels(i));
      ph.observe(labels(i), v);
    }
  }
}

const upstream = new PrometheusSerializer();
const fastSerializer = new FastPrometheusSerializer();

/** Runs work and returns [wall ms, longest event-loop block ms]. */
async function measure(work: () => Promise<unknown>): Promise<[number, number]> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // Let the monitor tick before working (its first ticks only set its reference time; reset() would clear it again).
  await sleep(20);
  const t0 = performance.now();
  await work();
  const wall = performance.now() - t0;
  await sleep(20);
  h.disable();
  return [wall, h.max / 1e6];
}

const r = { collectMs: [] as number[], upstreamMs: [] as number[], upstreamBlockMs: [] as number[], fastMs: [] as number[], agentMs: [] as number[], agentBlockMs: [] as number[], promMs: [] as number[], promBlockMs: [] as number[] };
let bytes = 0;
let gzipBytes = 0;
let promBytes = 0;
for (let rep = 0; rep < reps + 1; rep++) {
  const warm = rep === 0;
  // Upstream: collect, then one synchronous serialize (what the exporter's handler does).
  const [upWall, upBlock] = await measure(async () => {
    const { resourceMetrics } = await pull.reader.collect();
    const t = performance.now();
    const text = upstream.serialize(resourceMetrics);
    if (!warm) r.upstreamMs.push(performance.now() - t);
    bytes = Buffer.byteLength(text);
  });
  // Agent: the full scrape (collect + time-sliced FastPrometheusSerializer).
  const [agentWall, agentBlock] = await measure(async () => {
    const res = await pull.scrape();
    if (Buffer.byteLength(res.body) !== bytes) throw new Error('agent and upstream outputs differ in size');
  });
  const { resourceMetrics } = await pull.reader.collect();
  const tc = performance.now();
  await pull.reader.collect();
  const collect = performance.now() - tc;
  const tf = performance.now();
  const fastText = fastSerializer.serialize(resourceMetrics);
  const fast = performance.now() - tf;
  if (rep === 1) {
    gzipBytes = gzipSync(fastText).length;
    // Golden check on the benchmark's own data: the agent's bytes are upstream's bytes.
    if (fastText !== upstream.serialize(resourceMetrics)) throw new Error('FastPrometheusSerializer output differs from PrometheusSerializer');
  }
  const [promWall, promBlock] = await measure(async () => {
    const text = await registry.metrics();
    promBytes = Buffer.byteLength(text);
  });
  if (warm) continue;
  r.collectMs.push(collect);
  r.upstreamBlockMs.push(upBlock);
  r.fastMs.push(fast);
  r.agentMs.push(agentWall);
  r.agentBlockMs.push(agentBlock);
  r.promMs.push(promWall);
  r.promBlockMs.push(promBlock);
  void upWall;
}
await provider.shutdown();
const out: Record<string, number> = { series, bytes, gzipBytes, promBytes };
for (const [k, v] of Object.entries(r)) out[k] = median(v);
// Upstream scrape = collect + serialize, the figure comparable with agentMs and promMs.
out.upstreamScrapeMs = out.collectMs! + out.upstreamMs!;
process.stdout.write(`${JSON.stringify(out)}\n`);
