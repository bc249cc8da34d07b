import type { BatchObservableCallback, Meter, MeterProvider } from '@opentelemetry/api';
import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics';
import type { Logger } from '../log.ts';
import type { HostCollector, HostContext } from './collector.ts';
import { cpuCollector } from './cpu.ts';
import { diskioCollector } from './diskio.ts';
import { filesystemCollector } from './filesystem.ts';
import { memoryCollector } from './memory.ts';
import { networkCollector } from './network.ts';
import { processCollector } from './process.ts';

/** Every host collector on Linux, read straight from procfs and statfs. */
export const LINUX_COLLECTORS: readonly HostCollector[] = [
  cpuCollector,
  memoryCollector,
  networkCollector,
  filesystemCollector,
  diskioCollector,
  processCollector,
];

export interface HostMetricsOptions {
  readonly meterProvider: MeterProvider;
  readonly meter: Meter;
  readonly context: HostContext;
  readonly log: Logger;
  readonly platform?: NodeJS.Platform;
}

/** Stops host collection; safe to call twice. */
export type Unregister = () => void;

/**
 * Registers host metrics. On Linux our own collectors run, each isolated: one
 * failing collector (an unreadable file) never hides the others, and each one
 * reports qb_agent_host_collector_success / _duration_seconds like
 * node_exporter's node_scrape_collector_* metrics. Elsewhere (a developer's
 * Mac) the upstream host-metrics instrumentation covers CPU, memory and
 * network; filesystem and disk I/O are absent there, without error.
 */
export function registerHostMetrics(options: HostMetricsOptions): Unregister {
  const { meter, context, log } = options;
  const platform = options.platform ?? process.platform;
  const collectors = platform === 'linux' ? LINUX_COLLECTORS : [processCollector];
  const success = meter.createObservableGauge('qb_agent_host_collector_success', {
    description: '1 when the host collector\'s last run succeeded, 0 when it failed.',
  });
  const duration = meter.createObservableGauge('qb_agent_host_collector_duration_seconds', {
    description: 'How long the host collector\'s last run took.',
    unit: 's',
  });
  const registrations: Array<{ callback: BatchObservableCallback; observables: Parameters<Meter['addBatchObservableCallback']>[1] }> = [];
  for (const collector of collectors) {
    const collectorLog = log.child({ collector: collector.name });
    const instance = collector.setup(meter, { ...context, log: collectorLog });
    let failing = false;
    const callback: BatchObservableCallback = async (result) => {
      const started = performance.now();
      let ok = true;
      try {
        await instance.collect(result);
        if (failing) collectorLog.info('host collector recovered');
        failing = false;
      } catch (err) {
        ok = false;
        if (!failing) collectorLog.warn({ err }, 'host collector failed; its metrics are absent until it recovers');
        failing = true;
      }
      result.observe(success, ok ? 1 : 0, { collector: collector.name });
      result.observe(duration, (performance.now() - started) / 1000, { collector: collector.name });
    };
    const observables = [...instance.observables, success, duration];
    meter.addBatchObservableCallback(callback, observables);
    registrations.push({ callback, observables });
  }

  let instrumentation: HostMetricsInstrumentation | undefined;
  if (platform !== 'linux') {
    instrumentation = new HostMetricsInstrumentation({ enabled: false, metricGroups: ['system.cpu', 'system.memory', 'system.network'] });
    instrumentation.setMeterProvider(options.meterProvider);
    instrumentation.enable();
  }

  let unregistered = false;
  return () => {
    if (unregistered) return;
    unregistered = true;
    for (const r of registrations) meter.removeBatchObservableCallback(r.callback, r.observables);
    instrumentation?.disable();
  };
}
