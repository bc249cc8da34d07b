import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as OtlpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import {
  AggregationTemporality,
  InstrumentType,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ConfigValues } from '../config/schema.ts';
import type { ExportHealth } from './export-health.ts';

/**
 * Wraps the OTLP exporter to learn each export's real outcome. The SDK's
 * forceFlush() resolves even when the backend rejected the data, so the result
 * callback is the only trustworthy signal.
 */
export class OutcomeRecordingExporter implements PushMetricExporter {
  readonly #inner: PushMetricExporter;
  readonly #health: ExportHealth;

  constructor(inner: PushMetricExporter, health: ExportHealth) {
    this.#inner = inner;
    this.#health = health;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.#inner.export(metrics, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.#health.recordSuccess();
      else this.#health.recordFailure(result.error);
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.#inner.selectAggregationTemporality?.(instrumentType) ?? AggregationTemporality.CUMULATIVE;
  }
}

/**
 * The push path. Cumulative temporality on purpose: an export lost during a
 * collector outage is healed by the next one, which carries the full totals.
 */
export function createOtlpReader(otlp: Readonly<ConfigValues['otlp']>, health: ExportHealth): PeriodicExportingMetricReader {
  const options = {
    url: otlp.endpoint,
    headers: { ...otlp.headers },
    timeoutMillis: otlp.timeoutMs,
    compression: otlp.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    temporalityPreference: AggregationTemporality.CUMULATIVE,
  } as const;
  const exporter = otlp.protocol === 'http/json' ? new OtlpJsonExporter(options) : new OtlpProtoExporter(options);
  return new PeriodicExportingMetricReader({
    exporter: new OutcomeRecordingExporter(exporter, health),
    exportIntervalMillis: otlp.intervalMs,
    exportTimeoutMillis: otlp.timeoutMs,
  });
}
