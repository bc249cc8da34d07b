import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goToolPath } from './go-tools.ts';
import { serveTool, type ServedTool } from './serve-tool.ts';
import { ROOT } from './tools.ts';

/** The file operators run: the tests start the Collector with it, unchanged. */
export const SHIPPED_CONFIG = join(ROOT, 'otel-collector', 'config.yaml');

/**
 * The shipped config's text as the Collector reads it with none of its variables
 * set (as compose runs it): every `${env:VAR:-default}` replaced by its default.
 */
export function shippedConfigWithDefaults(): string {
  return readFileSync(SHIPPED_CONFIG, 'utf8').replace(/\$\{env:[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

export type CollectorExporter = 'prometheus' | 'prometheus_remote_write';

export interface CollectorOptions {
  /** The pipeline's exporters (QB_OTELCOL_EXPORTERS); the shipped default is the prometheus exporter. */
  readonly exporters?: readonly CollectorExporter[];
  /** Where prometheus_remote_write writes (QB_OTELCOL_REMOTE_WRITE_URL). */
  readonly remoteWriteUrl?: string;
  /** The remote-write exporter's write-ahead log, its persistent queue (QB_OTELCOL_WAL_DIR). */
  readonly walDir?: string;
}

export interface Collector {
  /** Where agents push: the OTLP/HTTP receiver's metrics path. */
  readonly otlpUrl: string;
  /** The prometheus exporter's address (host:port), what Prometheus scrapes. */
  readonly exporterAddress: string;
  /** The Collector's own metrics (otelcol_*). */
  readonly telemetryUrl: string;
  stderr(): string;
  /** SIGTERM (a graceful stop: the Collector flushes what it can) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same addresses with the same options (after stop()). */
  restart(): Promise<Collector>;
}

/** Ports, in this order: health (readiness), OTLP/HTTP, OTLP/gRPC, prometheus exporter, own telemetry. */
function environment(options: CollectorOptions, health: number, [http, grpc, exporter, telemetry]: readonly number[]): Record<string, string> {
  return {
    QB_OTELCOL_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
    QB_OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
    QB_OTELCOL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
    QB_OTELCOL_PROMETHEUS_ENDPOINT: `127.0.0.1:${exporter}`,
    QB_OTELCOL_TELEMETRY_HOST: '127.0.0.1',
    QB_OTELCOL_TELEMETRY_PORT: String(telemetry),
    // Seconds of waiting per batch only slow the tests down; nothing depends on the 5 s.
    QB_OTELCOL_BATCH_TIMEOUT: '200ms',
    QB_OTELCOL_EXPORTERS: `[${(options.exporters ?? ['prometheus']).join(',')}]`,
    ...(options.remoteWriteUrl ? { QB_OTELCOL_REMOTE_WRITE_URL: options.remoteWriteUrl } : {}),
    ...(options.walDir ? { QB_OTELCOL_WAL_DIR: options.walDir } : {}),
  };
}

/**
 * The OpenTelemetry Collector built from test/tools/otelcol, running the shipped
 * otel-collector/config.yaml with loopback addresses given by the environment
 * variables the file reads, as compose gives its own.
 */
export async function startCollector(options: CollectorOptions = {}, fixedPorts?: readonly number[]): Promise<Collector> {
  const binary = goToolPath('otelcol');
  if (!binary) throw new Error('otelcol missing');
  const served: ServedTool = await serveTool({
    name: 'OpenTelemetry Collector',
    binary,
    args: () => [`--config=${SHIPPED_CONFIG}`],
    env: (health, more) => environment(options, health, more),
    readyPath: '/',
    morePorts: 4,
    ...(fixedPorts ? { fixedPorts } : {}),
  });
  const [http, , exporter, telemetry] = served.morePorts;
  return {
    otlpUrl: `http://127.0.0.1:${http}/v1/metrics`,
    exporterAddress: `127.0.0.1:${exporter}`,
    telemetryUrl: `http://127.0.0.1:${telemetry}/metrics`,
    stderr: served.stderr,
    stop: served.stop,
    restart: () => startCollector(options, [served.port, ...served.morePorts]),
  };
}
