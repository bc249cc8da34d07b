import { promisify } from 'node:util';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { gzip as gzipCallback } from 'node:zlib';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../log.ts';
import { FastPrometheusSerializer } from './prometheus-serializer.ts';
import { ScrapeDrain } from './scrape-drain.ts';

const gzip = promisify(gzipCallback);

export interface ScrapeResponse {
  readonly status: number;
  readonly contentType: string;
  /** 'gzip' when the body is compressed. */
  readonly contentEncoding: 'gzip' | undefined;
  readonly body: string | Buffer;
}

export interface ScrapeOptions {
  /** The scraper's Accept-Encoding header: gzip is used when it accepts gzip. */
  readonly acceptEncoding?: string | undefined;
}

export interface PrometheusPullOptions {
  /**
   * Resource attributes written as labels on every series, as the exporter
   * specification's with_resource_constant_labels option allows (default none).
   */
  readonly resourceConstantLabels?: readonly string[];
  /** Longest stretch of synchronous rendering before yielding to the event loop. */
  readonly sliceMs?: number;
  /** Data points rendered between two checks of the slice clock. */
  readonly pointsPerChunk?: number;
}

/** Text exposition format 0.0.4, the format the OpenTelemetry serializer writes. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const DEFAULT_SLICE_MS = 10;
const DEFAULT_POINTS_PER_CHUNK = 500;

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
 *
 * Rendering uses FastPrometheusSerializer (same bytes as upstream's, several
 * times faster) in chunks, yielding to the event loop whenever a slice of
 * `sliceMs` is used up, so ingest requests keep being served during a large
 * scrape. The body is gzipped off the event loop when the scraper accepts it.
 */
export class PrometheusPull {
  readonly reader: PrometheusExporter;
  /** Which accepted events a scrape has collected: shutdown waits for one more scrape (see scrape-drain.ts). */
  readonly drain = new ScrapeDrain();
  readonly #serializer: FastPrometheusSerializer;
  readonly #log: Logger;
  readonly #sliceMs: number;
  /** The collection under way; scrapes that arrive meanwhile share it. */
  #inFlight: Promise<{ ok: true; text: string } | { ok: false; error: string }> | undefined;

  constructor(log: Logger, options: PrometheusPullOptions = {}) {
    this.reader = new PrometheusExporter({ preventServerStart: true });
    this.#serializer = new FastPrometheusSerializer(
      undefined,
      false,
      exactKeys(options.resourceConstantLabels ?? []),
      false,
      false,
      options.pointsPerChunk ?? DEFAULT_POINTS_PER_CHUNK,
    );
    this.#log = log;
    this.#sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
  }

  /**
   * Concurrent scrapes (two Prometheus replicas, a curl during a scrape) share
   * one collection and rendering: the cost and memory of /metrics do not grow
   * with the number of scrapers, and they all see the same instant.
   */
  async scrape(options: ScrapeOptions = {}): Promise<ScrapeResponse> {
    this.#inFlight ??= this.#collectAndRender().finally(() => {
      this.#inFlight = undefined;
    });
    const outcome = await this.#inFlight;
    if (!outcome.ok) {
      return { status: 503, contentType: 'text/plain; charset=utf-8', contentEncoding: undefined, body: `metrics collection failed: ${outcome.error}\n` };
    }
    const text = outcome.text;
    if (acceptsGzip(options.acceptEncoding)) {
      return { status: 200, contentType: EXPOSITION_CONTENT_TYPE, contentEncoding: 'gzip', body: await gzip(text) };
    }
    return { status: 200, contentType: EXPOSITION_CONTENT_TYPE, contentEncoding: undefined, body: text };
  }

  async #collectAndRender(): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
    try {
      const started = this.drain.collectionStarted();
      const { resourceMetrics, errors } = await this.reader.collect();
      if (errors.length > 0) {
        this.#log.warn({ errors: errors.map(String) }, 'metrics collection had errors; serving the rest');
      }
      const text = await this.render(resourceMetrics);
      this.drain.served(started);
      return { ok: true, text };
    } catch (err) {
      this.#log.error({ err }, 'metrics collection failed');
      return { ok: false, error: String(err) };
    }
  }

  /** Serializes in time slices: never more than about `sliceMs` without yielding. */
  async render(resourceMetrics: ResourceMetrics): Promise<string> {
    const parts: string[] = [];
    let sliceStart = performance.now();
    for (const chunk of this.#serializer.chunks(resourceMetrics)) {
      parts.push(chunk);
      if (performance.now() - sliceStart >= this.#sliceMs) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    return parts.join('');
  }
}

/** A pattern matching exactly these attribute keys (the serializer selects constant labels by RegExp), or undefined for none. */
export function exactKeys(keys: readonly string[]): RegExp | undefined {
  if (keys.length === 0) return undefined;
  return new RegExp(`^(?:${keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
}

/**
 * Whether an Accept-Encoding header accepts gzip (RFC 9110 §12.5.3): a `gzip`
 * or `*` coding whose q-value is not 0. Absent header: identity only.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzipQ: number | undefined;
  let starQ: number | undefined;
  for (const item of header.split(',')) {
    const [coding = '', ...params] = item.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q' && v !== undefined) q = Number(v);
    }
    if (coding.trim() === 'gzip' || coding.trim() === 'x-gzip') gzipQ = q;
    else if (coding.trim() === '*') starQ = q;
  }
  const q = gzipQ ?? starQ ?? 0;
  return Number.isFinite(q) && q > 0;
}
