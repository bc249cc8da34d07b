import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostCollector } from './collector.ts';

/** /proc/diskstats counts in 512-byte sectors whatever the device's sector size. */
const SECTOR_BYTES = 512;

/** Partitions and virtual devices whose I/O is already counted on the whole disk (node_exporter's default). */
export const IGNORED_DEVICES = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p|mmcblk\d+p)\d+$/;

export interface DiskCounters {
  readonly device: string;
  readonly read: { operations: number; bytes: number; seconds: number };
  readonly write: { operations: number; bytes: number; seconds: number };
}

/** Parses /proc/diskstats ("major minor name reads merged sectors ms writes merged sectors ms ..."). */
export function parseDiskstats(text: string): DiskCounters[] {
  const out: DiskCounters[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const device = f[2]!;
    if (IGNORED_DEVICES.test(device)) continue;
    const n = (i: number) => Number(f[i]);
    out.push({
      device,
      read: { operations: n(3), bytes: n(5) * SECTOR_BYTES, seconds: n(6) / 1000 },
      write: { operations: n(7), bytes: n(9) * SECTOR_BYTES, seconds: n(10) / 1000 },
    });
  }
  return out;
}

/** system.disk.io (bytes), system.disk.operations and system.disk.operation_time (seconds) by device and direction; Linux only. */
export const diskioCollector: HostCollector = {
  name: 'diskio',
  setup(meter, context) {
    const io = meter.createObservableCounter('system.disk.io', { description: 'Bytes read from and written to each disk (unit: By).' });
    const ops = meter.createObservableCounter('system.disk.operations', { description: 'Read and write operations completed per disk.' });
    const time = meter.createObservableCounter('system.disk.operation_time', {
      description: 'Time spent on read and write operations per disk (unit: s).',
    });
    const path = join(context.procPath, 'diskstats');
    return {
      observables: [io, ops, time],
      async collect(result) {
        for (const disk of parseDiskstats(await readFile(path, 'utf8'))) {
          for (const direction of ['read', 'write'] as const) {
            const attributes = { 'system.device': disk.device, 'disk.io.direction': direction };
            result.observe(io, disk[direction].bytes, attributes);
            result.observe(ops, disk[direction].operations, attributes);
            result.observe(time, disk[direction].seconds, attributes);
          }
        }
      },
    };
  },
};
