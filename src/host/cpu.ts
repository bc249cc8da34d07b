import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostCollector } from './collector.ts';

/** Kernel clock ticks per second for /proc/stat; 100 on every Linux architecture Node runs on (node_exporter assumes the same). */
const USER_HZ = 100;

/** Shortest window a utilization value is computed over; faster collections reuse the last value. */
export const MIN_UTILIZATION_WINDOW_MS = 1000;

export interface CpuTimes {
  readonly cpu: number;
  /** Seconds per semconv cpu.mode. */
  readonly modes: Readonly<Record<string, number>>;
}

/** Parses the per-CPU lines of /proc/stat ("cpu0 user nice system idle iowait irq softirq steal ..."). */
export function parseProcStat(text: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const f = match[2]!.trim().split(/\s+/).map(Number);
    const tick = (i: number) => (f[i] ?? 0) / USER_HZ;
    out.push({
      cpu: Number(match[1]),
      modes: {
        user: tick(0),
        nice: tick(1),
        system: tick(2),
        idle: tick(3),
        iowait: tick(4),
        interrupt: tick(5) + tick(6),
        steal: tick(7),
      },
    });
  }
  return out;
}

/** Share of each mode in the window between two samples (0 when no time passed). */
export function utilization(previous: CpuTimes, current: CpuTimes): Record<string, number> {
  const deltas: Record<string, number> = {};
  let total = 0;
  for (const [mode, seconds] of Object.entries(current.modes)) {
    const d = Math.max(0, seconds - (previous.modes[mode] ?? 0));
    deltas[mode] = d;
    total += d;
  }
  for (const mode of Object.keys(deltas)) deltas[mode] = total > 0 ? deltas[mode]! / total : 0;
  return deltas;
}

/**
 * system.cpu.time (seconds, monotonic) and system.cpu.utilization (0..1).
 *
 * Utilization is a ratio over a window. The upstream host-metrics package keeps
 * one module-global previous sample, so with two readers (Prometheus scrapes and
 * OTLP pushes) each collection shortens the other's window to milliseconds. Here
 * a new window is only started when the previous one is at least
 * MIN_UTILIZATION_WINDOW_MS old; collections in between reuse the last value, so
 * every reader sees a utilization measured over a real window. For exact
 * figures, use rate(system_cpu_time_total[...]).
 */
export const cpuCollector: HostCollector = {
  name: 'cpu',
  setup(meter, context) {
    const time = meter.createObservableCounter('system.cpu.time', {
      description: 'Seconds each logical CPU spent in each mode (unit: s).',
    });
    const util = meter.createObservableGauge('system.cpu.utilization', {
      description: 'Share of time (0..1) each logical CPU spent in each mode, over the last window of at least one second.',
    });
    const path = join(context.procPath, 'stat');
    let baseline: { at: number; cpus: CpuTimes[] } | undefined;
    try {
      baseline = { at: context.now(), cpus: parseProcStat(readFileSync(path, 'utf8')) };
    } catch {
      baseline = undefined; // the first collection reports the error through the collector's success metric
    }
    let lastUtilization = new Map<number, Record<string, number>>();
    return {
      observables: [time, util],
      async collect(result) {
        const now = context.now();
        const cpus = parseProcStat(await readFile(path, 'utf8'));
        if (!baseline || now - baseline.at >= MIN_UTILIZATION_WINDOW_MS || lastUtilization.size === 0) {
          const previous = new Map((baseline?.cpus ?? []).map((c) => [c.cpu, c]));
          lastUtilization = new Map(
            cpus.map((c) => [c.cpu, utilization(previous.get(c.cpu) ?? { cpu: c.cpu, modes: {} }, c)]),
          );
          baseline = { at: now, cpus };
        }
        for (const c of cpus) {
          for (const [mode, seconds] of Object.entries(c.modes)) {
            const attributes = { 'cpu.mode': mode, 'cpu.logical_number': c.cpu };
            result.observe(time, seconds, attributes);
            result.observe(util, lastUtilization.get(c.cpu)?.[mode] ?? 0, attributes);
          }
        }
      },
    };
  },
};
