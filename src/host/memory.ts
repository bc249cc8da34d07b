import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostCollector } from './collector.ts';

export interface MemoryStates {
  readonly total: number;
  /** Bytes per semconv system.memory.state; they add up to total. */
  readonly states: Readonly<Record<'used' | 'free' | 'buffers' | 'cached' | 'slab_reclaimable', number>>;
}

/** Parses /proc/meminfo (values in kB). */
export function parseMeminfo(text: string): MemoryStates {
  const kb: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (match) kb[match[1]!] = Number(match[2]) * 1024;
  }
  const total = kb.MemTotal ?? 0;
  const free = kb.MemFree ?? 0;
  const buffers = kb.Buffers ?? 0;
  // Shmem (tmpfs, shared memory) is counted in Cached but cannot be dropped: it is used.
  const cached = Math.max(0, (kb.Cached ?? 0) - (kb.Shmem ?? 0));
  const slabReclaimable = kb.SReclaimable ?? 0;
  // "used" is what the kernel cannot give back on demand: page cache, buffers and
  // reclaimable slab are free for the asking. os.freemem()-based "used" (total -
  // MemFree) counts them as used and shows a healthy Linux host as nearly full.
  return {
    total,
    states: {
      used: Math.max(0, total - free - buffers - cached - slabReclaimable),
      free,
      buffers,
      cached,
      slab_reclaimable: slabReclaimable,
    },
  };
}

/** system.memory.usage (bytes), system.memory.limit (bytes) and system.memory.utilization (0..1), by state. */
export const memoryCollector: HostCollector = {
  name: 'memory',
  setup(meter, context) {
    const usage = meter.createObservableGauge('system.memory.usage', { description: 'Memory in use by state (unit: By).' });
    const limit = meter.createObservableGauge('system.memory.limit', { description: 'Total memory of the host (unit: By).' });
    const util = meter.createObservableGauge('system.memory.utilization', { description: 'Share of total memory (0..1) by state.' });
    const path = join(context.procPath, 'meminfo');
    return {
      observables: [usage, limit, util],
      async collect(result) {
        const mem = parseMeminfo(await readFile(path, 'utf8'));
        result.observe(limit, mem.total);
        for (const [state, bytes] of Object.entries(mem.states)) {
          result.observe(usage, bytes, { 'system.memory.state': state });
          result.observe(util, mem.total > 0 ? bytes / mem.total : 0, { 'system.memory.state': state });
        }
      },
    };
  },
};
