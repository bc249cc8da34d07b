/**
 * W3 in-process: encode one OTLP export request of N points as protobuf and as
 * JSON with the serializers the OTLP exporters use; CPU ms (process.cpuUsage)
 * and bytes, medians over --reps. Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { median } from '../lib/stats.ts';

const { values } = parseArgs({ options: { points: { type: 'string', default: '10000' }, reps: { type: 'string', default: '5' } } });
const points = Number(values.points);
const reps = Number(values.reps);
const reader = new PrometheusExporter({ preventServerStart: true });
const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': 'bench' }),
  readers: [reader],
  views: [{ instrumentName: 'bench_requests', aggregationCardinalityLimit: points + 10 }],
});
const c = provider.getMeter('qb-agent', '0.1.0').createCounter('bench_requests');
for (let i = 0; i < points; i++) c.add(i + 1, { route: `/api/v1/resource${i}/:id`, method: i % 2 ? 'GET' : 'POST' });
const { resourceMetrics } = await reader.collect();

function cpu(fn: () => Uint8Array | undefined): { ms: number; bytes: number; gzipBytes: number } {
  const before = process.cpuUsage();
  const out = fn();
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, bytes: out?.length ?? 0, gzipBytes: out ? gzipSync(out).length : 0 };
}
const proto: Array<ReturnType<typeof cpu>> = [];
const json: Array<ReturnType<typeof cpu>> = [];
for (let i = 0; i <= reps; i++) {
  const p = cpu(() => ProtobufMetricsSerializer.serializeRequest(resourceMetrics));
  const j = cpu(() => JsonMetricsSerializer.serializeRequest(resourceMetrics));
  if (i === 0) continue; // warm-up
  proto.push(p);
  json.push(j);
}
await provider.shutdown();
const m = (xs: Array<ReturnType<typeof cpu>>, k: 'ms' | 'bytes' | 'gzipBytes') => median(xs.map((x) => x[k]));
process.stdout.write(
  `${JSON.stringify({ points, protoMs: m(proto, 'ms'), protoBytes: m(proto, 'bytes'), protoGzipBytes: m(proto, 'gzipBytes'), jsonMs: m(json, 'ms'), jsonBytes: m(json, 'bytes'), jsonGzipBytes: m(json, 'gzipBytes') })}\n`,
);
