import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveTool } from './serve-tool.ts';
import { toolPath } from './tools.ts';

export interface VictoriaMetrics {
  readonly url: string;
  /** URL the agent pushes OTLP/HTTP protobuf to. */
  readonly otlpUrl: string;
  /** Instant PromQL query; returns the result vector. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Every series name VictoriaMetrics holds. */
  names(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * A real OTLP backend: VictoriaMetrics from Debian on a loopback port with a
 * temporary data dir, converting OTLP names the way Prometheus does
 * (-opentelemetry.usePrometheusNaming) and answering queries without the
 * default 30 s latency offset.
 */
export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const binary = toolPath('victoria-metrics');
  if (!binary) throw new Error('victoria-metrics missing');
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-vm-'));
  const served = await serveTool({
    name: 'VictoriaMetrics',
    binary,
    readyPath: '/health',
    args: (port) => [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dataDir}`,
      '-retentionPeriod=1d',
      '-opentelemetry.usePrometheusNaming',
      '-search.latencyOffset=0s',
      '-search.disableCache',
      '-inmemoryDataFlushInterval=1s',
      '-loggerLevel=ERROR',
    ],
  }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const url = served.url;
  return {
    url,
    otlpUrl: `${url}/opentelemetry/v1/metrics`,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
      if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
      return body.data.result;
    },
    async names() {
      const res = await fetch(`${url}/api/v1/label/__name__/values`);
      return ((await res.json()) as { data: string[] }).data;
    },
    async stop() {
      await served.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
