import { afterAll } from 'vitest';
import type { AgentProcess } from '../../support/agent-process.ts';
import { startCollector, type Collector } from '../../support/collector.ts';
import { startPrometheus, type Prometheus } from '../../support/prometheus.ts';
import { toolPath } from '../../support/tools.ts';

/** The agent's flags for pushing to `url` as the tests do: protobuf, gzip, a push every second. */
export function pushArgs(url: string): string[] {
  return ['--otlp.endpoint', url, '--otlp.compression', 'gzip', '--otlp.intervalMs', '1000', '--otlp.timeoutMs', '1000'];
}

/** What a test of the Collector path starts; whatever is set is stopped after the file's tests. */
export interface PathParts {
  collector?: Collector;
  prom?: Prometheus;
  agent?: AgentProcess;
}

export function usePathParts(): PathParts {
  const parts: PathParts = {};
  afterAll(async () => {
    await parts.agent?.stop('SIGKILL');
    await parts.collector?.stop();
    await parts.prom?.destroy();
  });
  return parts;
}

/**
 * Compose's push mode: the Collector with the shipped config, scraped by Prometheus
 * 3.5 running deploy/compose/prometheus-push.yml (the compose address of the
 * Collector's exporter replaced by the test's).
 */
export async function startScrapedCollector(parts: PathParts): Promise<{ collector: Collector; prom: Prometheus }> {
  const collector = (parts.collector = await startCollector());
  const prom = (parts.prom = await startPrometheus({
    binary: toolPath('prometheus')!,
    config: 'deploy/compose/prometheus-push.yml',
    targets: { 'otel-collector:8889': collector.exporterAddress },
  }));
  return { collector, prom };
}

/**
 * The gateway setting: the Collector with the shipped config's remote-write
 * exporter and its write-ahead log in `walDir`, writing into Prometheus 3.5's
 * remote-write receiver.
 */
export async function startRemoteWriteCollector(parts: PathParts, walDir: string): Promise<{ collector: Collector; prom: Prometheus }> {
  const prom = (parts.prom = await startPrometheus({ binary: toolPath('prometheus')!, receivers: ['remote-write'] }));
  const collector = (parts.collector = await startCollector({ exporters: ['prometheus_remote_write'], remoteWriteUrl: prom.remoteWriteUrl, walDir }));
  return { collector, prom };
}
