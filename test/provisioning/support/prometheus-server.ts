import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { serveTool } from '../../support/serve-tool.ts';
import { ROOT, toolPath } from '../../support/tools.ts';
import { RULE_FILE, readYaml } from './generated.ts';

export interface QueryResult {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

export interface PrometheusServer {
  readonly url: string;
  /** Instant query at `time` (Unix seconds, default now) through the HTTP API; returns the raw answer (errors included). */
  query(promql: string, time?: number): Promise<QueryResult>;
  stop(): Promise<void>;
}

interface ScrapeConfig {
  job_name: string;
  static_configs: Array<{ targets: string[] }>;
  [key: string]: unknown;
}

/**
 * A real Prometheus from Debian, run with the committed prometheus/prometheus.yml
 * where only what cannot work on a test machine changes: the agent target (the
 * compose name qb-agent:9464 becomes the test agent's loopback address), the
 * Prometheus self-scrape address, 1 s intervals, and the rule file's absolute path.
 */
export async function startPrometheus(agentAddress: string): Promise<PrometheusServer> {
  const binary = toolPath('prometheus');
  if (!binary) throw new Error('prometheus missing');
  const dir = mkdtempSync(join(tmpdir(), 'qb-prom-'));
  // The committed config, with the agent's and Prometheus' own test addresses.
  const withAddresses = (port: number) => {
    const config = readYaml<{ global: Record<string, unknown>; rule_files: string[]; scrape_configs: ScrapeConfig[] }>('prometheus/prometheus.yml');
    config.global = { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
    config.rule_files = [join(ROOT, RULE_FILE)];
    for (const job of config.scrape_configs) {
      for (const sc of job.static_configs) {
        sc.targets = sc.targets.map((t) => (t === 'qb-agent:9464' ? agentAddress : t === 'localhost:9090' ? `127.0.0.1:${port}` : t));
      }
    }
    return config;
  };
  const served = await serveTool({
    name: 'Prometheus',
    binary,
    readyPath: '/-/ready',
    args: (port) => {
      writeFileSync(join(dir, 'prometheus.yml'), stringify(withAddresses(port)));
      return [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
    },
  }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const url = served.url;
  return {
    url,
    async query(promql, time) {
      const params = new URLSearchParams({ query: promql, ...(time === undefined ? {} : { time: time.toFixed(3) }) });
      const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: params });
      return (await res.json()) as QueryResult;
    },
    async stop() {
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
