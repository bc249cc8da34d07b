import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, type MetricReader, type PeriodicExportingMetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import type { ConfigValues } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { ExportHealth } from './export-health.ts';
import { createOtlpReader } from './otlp-push.ts';
import { PrometheusPull } from './prometheus-pull.ts';

export interface Pipeline {
  readonly meterProvider: MeterProvider;
  readonly prometheus: PrometheusPull;
  /** Present when otlp.endpoint is set. */
  readonly otlpReader: PeriodicExportingMetricReader | undefined;
  readonly exportHealth: ExportHealth;
}

export interface PipelineOptions {
  readonly otlp: Readonly<ConfigValues['otlp']>;
  /** Resource attributes copied as labels onto every series on /metrics (metrics.resourceConstantLabels). */
  readonly resourceConstantLabels: readonly string[];
  readonly resource: Resource;
  readonly views: readonly ViewOptions[];
  readonly log: Logger;
  /** More readers on the same provider (the durable state's snapshot reader). */
  readonly extraReaders?: readonly MetricReader[];
}

/**
 * One MeterProvider, two readers: the same instruments are visible on /metrics
 * (pull) and in every OTLP push. Nothing here is global: the provider is passed
 * to whoever records, never registered with the OpenTelemetry API singleton.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const exportHealth = new ExportHealth(options.log.child({ component: 'otlp' }));
  const prometheus = new PrometheusPull(options.log.child({ component: 'prometheus' }), { resourceConstantLabels: options.resourceConstantLabels });
  const otlpReader = options.otlp.endpoint ? createOtlpReader(options.otlp, exportHealth) : undefined;
  const meterProvider = new MeterProvider({
    resource: options.resource,
    views: [...options.views],
    readers: [prometheus.reader, ...(otlpReader ? [otlpReader] : []), ...(options.extraReaders ?? [])],
  });
  return { meterProvider, prometheus, otlpReader, exportHealth };
}
