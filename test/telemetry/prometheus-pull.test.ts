import { gunzipSync } from 'node:zlib';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsGzip, EXPOSITION_CONTENT_TYPE, PrometheusPull } from '../../src/telemetry/prometheus-pull.ts';

const silent = pino({ level: 'silent' });
const providers: MeterProvider[] = [];

function pullWith(series: number, options: ConstructorParameters<typeof PrometheusPull>[1] = {}) {
  const pull = new PrometheusPull(silent, options);
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 't' }), readers: [pull.reader] });
  providers.push(provider);
  const meter = provider.getMeter('m');
  const counter = meter.createCounter('c');
  const histogram = meter.createHistogram('h');
  for (let i = 0; i < series; i++) {
    counter.add(i, { k: `v${i}` });
    histogram.record(i, { k: `v${i}` });
  }
  return pull;
}

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

describe('PrometheusPull', () => {
  it('answers 200 with exactly what the upstream serializer writes', async () => {
    const pull = pullWith(50);
    const scrape = await pull.scrape();
    const { resourceMetrics } = await pull.reader.collect();
    expect(scrape.status).toBe(200);
    expect(scrape.contentType).toBe(EXPOSITION_CONTENT_TYPE);
    expect(scrape.contentEncoding).toBeUndefined();
    expect(scrape.body).toBe(new PrometheusSerializer().serialize(resourceMetrics));
  });

  it('writes the configured resource attributes as labels on every series, and only those (metrics.resourceConstantLabels)', async () => {
    const pull = new PrometheusPull(silent, { resourceConstantLabels: ['service.instance.id'] });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 't', 'service.instance.id': 'id-1', 'service.instanceXid': 'not-me', 'host.name': 'h' }),
      readers: [pull.reader],
    });
    providers.push(provider);
    const meter = provider.getMeter('m');
    meter.createCounter('c').add(3, { k: 'v' });
    meter.createHistogram('h').record(1);
    const body = String((await pull.scrape()).body);
    const series = body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(series.length).toBeGreaterThan(5);
    for (const line of series) expect(line, line).toContain('service_instance_id="id-1"');
    expect(series.filter((l) => l.includes('host_name=') || l.includes('not-me'))).toEqual([
      'target_info{service_name="t",service_instance_id="id-1",service_instanceXid="not-me",host_name="h"} 1',
    ]);
    expect(series).toContain('c_total{k="v",otel_scope_name="m",service_instance_id="id-1"} 3');
    const { resourceMetrics } = await pull.reader.collect();
    expect(body).toBe(new PrometheusSerializer(undefined, false, /^service\.instance\.id$/).serialize(resourceMetrics));
  });

  it('gzips the same bytes when the scraper accepts gzip', async () => {
    const pull = pullWith(50);
    const plain = await pull.scrape();
    const zipped = await pull.scrape({ acceptEncoding: 'gzip, deflate' });
    expect(zipped.status).toBe(200);
    expect(zipped.contentEncoding).toBe('gzip');
    expect(Buffer.isBuffer(zipped.body)).toBe(true);
    expect(gunzipSync(zipped.body as Buffer).toString('utf8')).toBe(plain.body);
  });

  it('answers 503 when collection fails (a reader bound to no provider cannot collect)', async () => {
    const pull = new PrometheusPull(silent);
    const scrape = await pull.scrape({ acceptEncoding: 'gzip' });
    expect(scrape.status).toBe(503);
    expect(scrape.contentEncoding).toBeUndefined();
    expect(String(scrape.body)).toMatch(/^metrics collection failed: /);
  });

  it('yields to the event loop while rendering a large exposition', async () => {
    const pull = pullWith(1500, { sliceMs: 0, pointsPerChunk: 100 });
    const { resourceMetrics } = await pull.reader.collect();
    // A ticker that runs once per event-loop iteration.
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const text = await pull.render(resourceMetrics);
    running = false;
    expect(text).toBe(new PrometheusSerializer().serialize(resourceMetrics));
    // 3000 points in chunks of 100 with a 0 ms slice: a yield after each of the 30 chunks.
    expect(ticks).toBeGreaterThanOrEqual(29);
  });
});

describe('concurrent scrapes', () => {
  it('share one collection and see the same instant', async () => {
    const pull = new PrometheusPull(silent);
    const provider = new MeterProvider({ readers: [pull.reader] });
    providers.push(provider);
    let collections = 0;
    provider
      .getMeter('m')
      .createObservableGauge('collections')
      .addCallback((r) => r.observe(++collections));
    const bodies = await Promise.all(Array.from({ length: 5 }, () => pull.scrape()));
    expect(collections).toBe(1);
    expect(new Set(bodies.map((b) => b.body)).size).toBe(1);
    expect(String(bodies[0]?.body)).toContain('collections{otel_scope_name="m"} 1');
    await pull.scrape();
    expect(collections).toBe(2);
  });
});

describe('acceptsGzip', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['identity', false],
    ['gzip', true],
    ['GZIP', true],
    ['deflate, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['gzip; q=0.0', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['x-gzip', true],
    ['br', false],
  ])('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
