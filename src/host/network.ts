import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostCollector } from './collector.ts';

export interface InterfaceCounters {
  readonly device: string;
  readonly receive: { bytes: number; packets: number; errors: number; dropped: number };
  readonly transmit: { bytes: number; packets: number; errors: number; dropped: number };
}

/** Parses /proc/net/dev (two header lines, then "iface: rx 8 fields tx 8 fields"). */
export function parseNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out.push({
      device,
      receive: { bytes: f[0]!, packets: f[1]!, errors: f[2]!, dropped: f[3]! },
      transmit: { bytes: f[8]!, packets: f[9]!, errors: f[10]!, dropped: f[11]! },
    });
  }
  return out;
}

/**
 * system.network.io (bytes), .packets, .errors and .packet.dropped by device and
 * direction, read from /proc/net/dev: no child processes (the upstream package
 * spawns `ip`/`cat` on every collection and silently reports nothing on error).
 */
export const networkCollector: HostCollector = {
  name: 'network',
  setup(meter, context) {
    const io = meter.createObservableCounter('system.network.io', { description: 'Bytes received and transmitted (unit: By).' });
    const packets = meter.createObservableCounter('system.network.packets', { description: 'Packets received and transmitted.' });
    const errors = meter.createObservableCounter('system.network.errors', { description: 'Receive and transmit errors.' });
    const dropped = meter.createObservableCounter('system.network.packet.dropped', { description: 'Packets dropped.' });
    const path = join(context.procPath, 'net', 'dev');
    return {
      observables: [io, packets, errors, dropped],
      async collect(result) {
        for (const iface of parseNetDev(await readFile(path, 'utf8'))) {
          for (const direction of ['receive', 'transmit'] as const) {
            const attributes = { 'system.device': iface.device, 'network.io.direction': direction };
            const c = iface[direction];
            result.observe(io, c.bytes, attributes);
            result.observe(packets, c.packets, attributes);
            result.observe(errors, c.errors, attributes);
            result.observe(dropped, c.dropped, attributes);
          }
        }
      },
    };
  },
};
