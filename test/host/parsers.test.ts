import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcStat, utilization } from '../../src/host/cpu.ts';
import { parseDiskstats } from '../../src/host/diskio.ts';
import { parseMounts, usageFromStatfs } from '../../src/host/filesystem.ts';
import { parseMeminfo } from '../../src/host/memory.ts';
import { parseNetDev } from '../../src/host/network.ts';
import { ROOT } from '../support/tools.ts';

const proc = (path: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'proc', path), 'utf8');

describe('procfs parsers', () => {
  it('/proc/stat: per-CPU seconds by mode, irq and softirq as interrupt', () => {
    const cpus = parseProcStat(proc('stat'));
    expect(cpus).toHaveLength(2);
    expect(cpus[0]).toEqual({
      cpu: 0,
      modes: { user: 11.32, nice: 0.34, system: 14.41, idle: 113117.18, iowait: 36.75, interrupt: 5.65, steal: 0.1 },
    });
    expect(cpus[1]?.cpu).toBe(1);
  });

  it('utilization is each mode\'s share of the window', () => {
    const before = { cpu: 0, modes: { user: 10, system: 5, idle: 85 } };
    const after = { cpu: 0, modes: { user: 13, system: 6, idle: 91 } };
    expect(utilization(before, after)).toEqual({ user: 0.3, system: 0.1, idle: 0.6 });
    expect(utilization(after, after)).toEqual({ user: 0, system: 0, idle: 0 });
  });

  it('/proc/meminfo: states add up to the total, reclaimable cache is not "used", shared memory is', () => {
    const mem = parseMeminfo(proc('meminfo'));
    expect(mem.total).toBe(16303004 * 1024);
    expect(mem.states).toEqual({
      used: (16303004 - 1203260 - 345604 - (8458412 - 200000) - 512344) * 1024,
      free: 1203260 * 1024,
      buffers: 345604 * 1024,
      cached: (8458412 - 200000) * 1024,
      slab_reclaimable: 512344 * 1024,
    });
    expect(Object.values(mem.states).reduce((a, b) => a + b, 0)).toBe(mem.total);
  });

  it('/proc/net/dev: bytes, packets, errors and drops per interface and direction', () => {
    const [lo, eth0] = parseNetDev(proc('net/dev'));
    expect(lo?.device).toBe('lo');
    expect(eth0).toEqual({
      device: 'eth0',
      receive: { bytes: 98765432, packets: 76543, errors: 3, dropped: 7 },
      transmit: { bytes: 12345678, packets: 23456, errors: 1, dropped: 2 },
    });
  });

  it('/proc/diskstats: whole disks only, bytes from 512-byte sectors, time in seconds', () => {
    const disks = parseDiskstats(proc('diskstats'));
    expect(disks.map((d) => d.device)).toEqual(['vda', 'nvme0n1']);
    expect(disks[0]).toEqual({
      device: 'vda',
      read: { operations: 20342, bytes: 1593382 * 512, seconds: 7.39 },
      write: { operations: 45213, bytes: 1849784 * 512, seconds: 40.281 },
    });
  });

  it('mounts: data file systems once each, escapes decoded, pseudo and container layers skipped', () => {
    expect(parseMounts(proc('1/mounts'))).toEqual([
      { device: '/dev/vda1', mountpoint: '/', type: 'ext4' },
      { device: 'tmpfs', mountpoint: '/run', type: 'tmpfs' },
      { device: '/dev/sdb1', mountpoint: '/mnt/my data', type: 'xfs' },
    ]);
  });

  it('statfs: used, free for users, reserved for root', () => {
    expect(usageFromStatfs({ bsize: 4096, blocks: 1000, bfree: 300, bavail: 250 })).toEqual({ used: 700 * 4096, free: 250 * 4096, reserved: 50 * 4096 });
  });
});
