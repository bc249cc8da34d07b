import type { HostCollector } from './collector.ts';

/**
 * process.cpu.time (seconds by mode) and process.memory.usage (resident bytes) of
 * the agent itself, from Node's own counters: no global previous-sample state,
 * portable to every platform.
 */
export const processCollector: HostCollector = {
  name: 'process',
  setup(meter) {
    const cpu = meter.createObservableCounter('process.cpu.time', { description: 'CPU seconds used by the agent process, by mode (unit: s).' });
    const memory = meter.createObservableGauge('process.memory.usage', { description: 'Resident memory of the agent process (unit: By).' });
    return {
      observables: [cpu, memory],
      async collect(result) {
        const usage = process.cpuUsage();
        result.observe(cpu, usage.user / 1e6, { 'cpu.mode': 'user' });
        result.observe(cpu, usage.system / 1e6, { 'cpu.mode': 'system' });
        result.observe(memory, process.memoryUsage.rss());
      },
    };
  },
};
