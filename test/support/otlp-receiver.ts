import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Parsed body when it was JSON. */
  readonly json: OtlpJsonRequest | undefined;
}

/** The parts of an OTLP/JSON ExportMetricsServiceRequest the tests read. */
export interface OtlpJsonRequest {
  resourceMetrics: Array<{
    resource: { attributes: Array<{ key: string; value: Record<string, unknown> }> };
    scopeMetrics: Array<{
      scope: { name: string };
      metrics: Array<{
        name: string;
        unit?: string;
        sum?: { dataPoints: JsonPoint[]; isMonotonic?: boolean; aggregationTemporality: number };
        gauge?: { dataPoints: JsonPoint[] };
        histogram?: { dataPoints: Array<JsonPoint & { bucketCounts: Array<number | string>; explicitBounds: number[]; sum: number; count: number | string }> };
      }>;
    }>;
  }>;
}

interface JsonPoint {
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
  asDouble?: number;
  asInt?: number | string;
}

/** What the receiver answers: a status code, or "hang" (never answers; a collector that is stuck). */
export type ReceiverMode = number | 'hang';

/**
 * A stand-in for the OpenTelemetry Collector's OTLP/HTTP receiver, which cannot
 * run here: it records every request as really sent (decompressed, JSON
 * decoded) and answers as told.
 */
export async function startOtlpReceiver(initialMode: ReceiverMode = 200) {
  const requests: ReceivedRequest[] = [];
  let mode: ReceiverMode = initialMode;
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const isJson = String(req.headers['content-type'] ?? '').startsWith('application/json');
      requests.push({ path: req.url ?? '', headers: req.headers, body, json: isJson ? (JSON.parse(body.toString('utf8')) as OtlpJsonRequest) : undefined });
      if (mode === 'hang') {
        hanging.push(res);
        return;
      }
      res.statusCode = mode;
      res.setHeader('content-type', isJson ? 'application/json' : 'application/x-protobuf');
      res.end(isJson ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setMode(next: ReceiverMode) {
      mode = next;
    },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Finds a metric by name in a decoded request. */
export function findMetric(request: OtlpJsonRequest, name: string) {
  for (const rm of request.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      const metric = sm.metrics.find((m) => m.name === name);
      if (metric) return metric;
    }
  }
  return undefined;
}

/** Flattens OTLP/JSON attributes into a plain object. */
export function attributesOf(list: Array<{ key: string; value: Record<string, unknown> }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
}
