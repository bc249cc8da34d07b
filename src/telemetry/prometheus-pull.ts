import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { Logger } from '../log.ts';

export interface ScrapeResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Text exposition format 0.0.4, the format the OpenTelemetry serializer writes. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The pull path: the OpenTelemetry Prometheus exporter used purely as a
 * MetricReader (its own HTTP server never starts) and rendered on our server.
 *
 * We collect and serialize ourselves instead of using the exporter's request
 * handler because that handler answers 200 with a "# failed to export" comment
 * when collection fails: Prometheus would record a successful, empty scrape and
 * `up` would stay 1. A failed collection answers 503 here, so `up` drops to 0.
 * Partial errors (one observable callback failed) still answer 200 with what was
 * collected, like node_exporter does when one collector fails.
 */
export class PrometheusPull {
  readonly reader: PrometheusExporter;
  readonly #serializer: PrometheusSerializer;
  readonly #log: Logger;

  constructor(log: Logger) {
    this.reader = new PrometheusExporter({ preventServerStart: true });
    this.#serializer = new PrometheusSerializer();
    this.#log = log;
  }

  async scrape(): Promise<ScrapeResponse> {
    try {
      const { resourceMetrics, errors } = await this.reader.collect();
      if (errors.length > 0) {
        this.#log.warn({ errors: errors.map(String) }, 'metrics collection had errors; serving the rest');
      }
      return { status: 200, contentType: EXPOSITION_CONTENT_TYPE, body: this.#serializer.serialize(resourceMetrics) };
    } catch (err) {
      this.#log.error({ err }, 'metrics collection failed');
      return { status: 503, contentType: 'text/plain; charset=utf-8', body: `metrics collection failed: ${String(err)}\n` };
    }
  }
}
