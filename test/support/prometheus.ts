import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { serveTool, type ServedTool } from './serve-tool.ts';
import { ROOT } from './tools.ts';

export type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

export interface Prometheus {
  readonly url: string;
  /** Remote-write receiver (with `receivers: ['remote-write']`). */
  readonly remoteWriteUrl: string;
  /** OTLP receiver (with `receivers: ['otlp']`, a build that has it). */
  readonly otlpUrl: string;
  /** Instant query at `time` (Unix seconds, default now); throws on an error answer. */
  query(promql: string, time?: number): Promise<Vector>;
  /** Every metric name it holds. */
  names(): Promise<string[]>;
  /** SIGTERM and wait; the data dir is kept for restart(). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<Prometheus>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

export interface PrometheusOptions {
  readonly binary: string;
  /**
   * A committed Prometheus config (path from the repository root) whose scrape
   * targets are replaced by `targets` (compose name → test address); its rule
   * files are loaded from where compose mounts them (`prometheus/` is
   * `/etc/prometheus`, beside the config). Without it Prometheus only receives
   * (remote write, OTLP).
   */
  readonly config?: string;
  readonly targets?: Readonly<Record<string, string>>;
  readonly receivers?: ReadonlyArray<'remote-write' | 'otlp'>;
  /** The config's `otlp:` block (how the OTLP receiver turns resource attributes into labels). */
  readonly otlp?: Readonly<Record<string, unknown>>;
}

interface ScrapeConfig {
  job_name: string;
  static_configs: Array<{ targets: string[] }>;
}

/** The committed config with test addresses and 1 s scrapes. */
function configFor(options: PrometheusOptions, selfAddress: string): string {
  if (!options.config) return stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [], ...(options.otlp ? { otlp: options.otlp } : {}) });
  const config = parse(readFileSync(join(ROOT, options.config), 'utf8')) as { global: Record<string, unknown>; rule_files?: string[]; scrape_configs: ScrapeConfig[] };
  config.global = { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
  // Compose mounts the config at /etc/prometheus/<mode>.yml and ./prometheus/rules at /etc/prometheus/rules.
  if (config.rule_files) config.rule_files = config.rule_files.map((f) => join(ROOT, 'prometheus', f));
  const targets: Record<string, string> = { 'localhost:9090': selfAddress, ...options.targets };
  for (const job of config.scrape_configs) {
    for (const sc of job.static_configs) sc.targets = sc.targets.map((t) => targets[t] ?? t);
  }
  return stringify(config);
}

const RECEIVER_FLAGS = { 'remote-write': '--web.enable-remote-write-receiver', otlp: '--web.enable-otlp-receiver' } as const;

async function serve(options: PrometheusOptions, dir: string, fixedPort?: number): Promise<Prometheus> {
  const served: ServedTool = await serveTool({
    name: 'Prometheus',
    binary: options.binary,
    readyPath: '/-/ready',
    ...(fixedPort === undefined ? {} : { fixedPorts: [fixedPort] }),
    args: (port) => {
      writeFileSync(join(dir, 'prometheus.yml'), configFor(options, `127.0.0.1:${port}`));
      return [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...(options.receivers ?? []).map((r) => RECEIVER_FLAGS[r]),
      ];
    },
  });
  const url = served.url;
  const api = async <T>(path: string, params: Record<string, string>): Promise<T> => {
    const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    otlpUrl: `${url}/api/v1/otlp/v1/metrics`,
    async query(promql, time) {
      const data = await api<{ result: Vector }>('/api/v1/query', { query: promql, ...(time === undefined ? {} : { time: time.toFixed(3) }) });
      return data.result;
    },
    names: () => api<string[]>('/api/v1/label/__name__/values', {}),
    stop: () => served.stop(),
    restart: () => serve(options, dir, served.port),
    async destroy() {
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real Prometheus on a loopback port with a temporary data dir. */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'qb-prom-'));
  return serve(options, dir).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
}
