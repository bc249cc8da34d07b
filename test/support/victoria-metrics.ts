import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
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
  // The free port can be taken by a parallel test between the probe and the bind: retry on a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startOnce(): Promise<VictoriaMetrics> {
  const binary = toolPath('victoria-metrics');
  if (!binary) throw new Error('victoria-metrics missing');
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-vm-'));
  const child: ChildProcess = spawn(
    binary,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dataDir}`,
      '-retentionPeriod=1d',
      '-opentelemetry.usePrometheusNaming',
      '-search.latencyOffset=0s',
      '-search.disableCache',
      '-loggerLevel=ERROR',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`VictoriaMetrics did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
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
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
