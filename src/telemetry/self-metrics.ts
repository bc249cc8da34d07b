import type { Meter } from '@opentelemetry/api';
import type { ExportHealth } from './export-health.ts';

/**
 * The agent's own health under qb_agent_*. Export counts are observed from
 * ExportHealth rather than counted twice, and are present (as 0) even when push
 * is off, so dashboards and alerts always find the series.
 */
export function registerSelfMetrics(meter: Meter, inputs: { version: string; health: ExportHealth; startedAtMs?: number }): void {
  meter
    .createObservableGauge('qb_agent_build_info', {
      description: 'Always 1; the version label says which qb-agent build is running.',
    })
    .addCallback((result) => result.observe(1, { version: inputs.version, nodejs_version: process.versions.node }));

  // performance.timeOrigin is when this process started, not when the meter was built.
  const startSeconds = Math.round(inputs.startedAtMs ?? performance.timeOrigin) / 1000;
  meter
    .createObservableGauge('qb_agent_start_time_seconds', {
      description: 'Unix time the agent process started; time() - this is its uptime.',
      unit: 's',
    })
    .addCallback((result) => result.observe(startSeconds));

  meter
    .createObservableCounter('qb_agent_otlp_exports', {
      description: 'OTLP push attempts by outcome (a failure is counted once per export, after the exporter\'s own retries).',
      unit: '{export}',
    })
    .addCallback((result) => {
      const h = inputs.health.snapshot();
      result.observe(h.successes, { outcome: 'success' });
      result.observe(h.failures, { outcome: 'failure' });
    });

  meter
    .createObservableGauge('qb_agent_otlp_last_success_timestamp_seconds', {
      description: 'Unix time of the last successful OTLP push; 0 before the first one or when push is off.',
      unit: 's',
    })
    .addCallback((result) => result.observe(inputs.health.snapshot().lastSuccessMs / 1000));
}
