import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { serveTool } from './serve-tool.ts';
import { ROOT, toolPath } from './tools.ts';
import { RULE_FILE, readYaml } from '../provisioning/support/generated.ts';

export interface QueryResult {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

export interface PrometheusServer {
  readonly url: string;
  /** Instant query at `time` (Unix seconds, default now) through the HTTP API; returns the raw answer (errors included). */
  query(promql: string, time?: number): Promise<QueryResult>;
  /** Alerts the rule manager holds now (pending and firing). */
  alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Rule file to load instead of the committed one (a time-scaled copy). */
  readonly ruleFile?: string;
  /** Scrape and rule evaluation interval (1s by default). */
  readonly interval?: string;
}

interface ScrapeConfig {
  job_name: string;
  static_configs?: Array<{ targets: string[] }>;
  [key: string]: unknown;
}

/**
 * A real Prometheus 3.5 from Debian, run with the committed prometheus/prometheus.yml
 * where only what cannot work on a test machine changes: the agent target (the
 * compose name qb-agent:9464 becomes the test agent's loopback address, or a
 * file_sd file the test rewrites as agents come, move and go), the Prometheus
 * self-scrape address, 1 s intervals, and the rule file's absolute path.
 */
export async function startPrometheus(agents: string | { fileSd: string }, options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const binary = toolPath('prometheus');
  if (!binary) throw new Error('prometheus missing');
  const dir = mkdtempSync(join(tmpdir(), 'qb-prom-'));
  // The committed config, with the agent's and Prometheus' own test addresses.
  const withAddresses = (port: number) => {
    const config = readYaml<{ global: Record<string, unknown>; rule_files: string[]; scrape_configs: ScrapeConfig[] }>('prometheus/prometheus.yml');
    const interval = options.interval ?? '1s';
    config.global = { ...config.global, scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval };
    config.rule_files = [options.ruleFile ?? join(ROOT, RULE_FILE)];
    for (const job of config.scrape_configs) {
      for (const sc of job.static_configs ?? []) {
        sc.targets = sc.targets.map((t) => (t === 'qb-agent:9464' && typeof agents === 'string' ? agents : t === 'localhost:9090' ? `127.0.0.1:${port}` : t));
      }
      if (job.job_name === 'qb-agent' && typeof agents !== 'string') {
        delete (job as Partial<ScrapeConfig>).static_configs;
        job.file_sd_configs = [{ files: [agents.fileSd] }];
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
    async alerts() {
      const body = (await (await fetch(`${url}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
      return body.data.alerts;
    },
    async stop() {
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
