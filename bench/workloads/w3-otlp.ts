import { join } from 'node:path';
import { runJson } from '../lib/proc.ts';
import { medianOf } from '../lib/stats.ts';
import { ROOT, SERVER_CPU, type Workload } from '../lib/context.ts';

/** W3: one OTLP export request of N points, protobuf (the agent's default) vs JSON. */
export const w3Otlp: Workload = async (o, rows, notes) => {
  for (const points of o.quick ? [10_000] : [10_000, 100_000]) {
    const r = await medianOf(o.runs, () =>
      runJson<Record<string, number>>(SERVER_CPU, join(ROOT, 'bench', 'micro', 'otlp.ts'), ['--points', String(points), '--reps', o.quick ? '2' : '5'], 300_000),
    );
    const name = `${points / 1000}k points`;
    rows.push({
      workload: 'W3', case: name, metric: 'encode CPU ms (protobuf vs JSON)', agent: r.protoMs!, peer: r.jsonMs!, peerName: 'OTLP/JSON', better: 'lower',
      ...(points === 100_000 ? { target: { text: '≤ 100 ms CPU (protobuf)', met: r.protoMs! <= 100 } } : {}),
    });
    rows.push({ workload: 'W3', case: name, metric: 'request bytes', agent: r.protoBytes!, peer: r.jsonBytes!, peerName: 'OTLP/JSON', better: 'lower' });
    rows.push({ workload: 'W3', case: name, metric: 'request bytes gzip', agent: r.protoGzipBytes!, peer: r.jsonGzipBytes!, peerName: 'OTLP/JSON', better: 'lower' });
  }
  notes.push(
    'W3: bench/micro/otlp.ts (pinned to CPU 1) collects N counter points once and encodes the export request with `ProtobufMetricsSerializer` / `JsonMetricsSerializer` from @opentelemetry/otlp-transformer, the code the -proto and -http exporters run; CPU from process.cpuUsage() around the encode, gzip size with zlib defaults. The HTTP send itself is not included.',
  );
};
