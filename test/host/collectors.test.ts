import { MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { registerHostMetrics } from '../../src/host/registry.ts';
import { createLogger } from '../../src/log.ts';
import { ROOT } from '../support/tools.ts';

function setup(procPath: string) {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [reader] });
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('info', new Writable({ write: (c: Buffer, _e, done) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), done()) }));
  let now = 1_000_000;
  const unregister = registerHostMetrics({
    meterProvider: provider,
    meter: provider.getMeter('test'),
    context: { procPath, rootfsPath: '/', now: () => now },
    log,
    platform: 'linux',
  });
  const collect = async () => (await reader.collect()).resourceMetrics;
  return { collect, lines, unregister, advance: (ms: number) => (now += ms) };
}

function points(rm: ResourceMetrics, name: string) {
  const metric = rm.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []) as Array<{ attributes: Record<string, unknown>; value: unknown }>;
}

describe('host collectors on fixture procfs', () => {
  it('records what the fixture files say', async () => {
    const { collect, unregister } = setup(join(ROOT, 'test', 'fixtures', 'proc'));
    const rm = await collect();
    const io = points(rm, 'system.network.io').map((p) => [p.attributes['system.device'], p.attributes['network.io.direction'], p.value]);
    expect(io).toContainEqual(['eth0', 'receive', 98765432]);
    expect(io).toContainEqual(['eth0', 'transmit', 12345678]);
    const disk = points(rm, 'system.disk.io').map((p) => [p.attributes['system.device'], p.attributes['disk.io.direction'], p.value]);
    expect(disk).toContainEqual(['vda', 'read', 1593382 * 512]);
    const mem = points(rm, 'system.memory.limit');
    expect(mem[0]?.value).toBe(16303004 * 1024);
    const ok = points(rm, 'qb_agent_host_collector_success').map((p) => [p.attributes.collector, p.value]);
    expect(Object.fromEntries(ok)).toEqual({ cpu: 1, memory: 1, network: 1, filesystem: 1, diskio: 1, process: 1 });
    unregister();
    unregister(); // idempotent
  });

  it('isolates a failing collector: the others keep reporting, one log line per state change', async () => {
    const { collect, lines } = setup(join(ROOT, 'test', 'fixtures', 'does-not-exist'));
    await collect();
    const rm = await collect();
    const ok = Object.fromEntries(points(rm, 'qb_agent_host_collector_success').map((p) => [p.attributes.collector, p.value]));
    expect(ok).toEqual({ cpu: 0, memory: 0, network: 0, filesystem: 0, diskio: 0, process: 1 });
    expect(points(rm, 'process.memory.usage')[0]?.value).toBeGreaterThan(0);
    const failures = lines.filter((l) => l.msg === 'host collector failed; its metrics are absent until it recovers');
    expect(failures.map((l) => l.collector).sort()).toEqual(['cpu', 'diskio', 'filesystem', 'memory', 'network']);
  });
});

describe('CPU utilization with two readers', () => {
  it('both readers see the utilization of a real window, not of each other\'s milliseconds', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'qb-proc-'));
    const stat = (user: number, idle: number) => writeFileSync(join(dir, 'stat'), `cpu  0 0 0 0\ncpu0 ${user} 0 0 ${idle} 0 0 0 0\n`);
    stat(1000, 1000);
    const pull = new PrometheusExporter({ preventServerStart: true });
    const push = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [pull, push] });
    let now = 0;
    registerHostMetrics({
      meterProvider: provider,
      meter: provider.getMeter('test'),
      context: { procPath: dir, rootfsPath: '/', now: () => now },
      log: createLogger('silent'),
      platform: 'linux',
    });
    const userShare = async (reader: PrometheusExporter) =>
      points((await reader.collect()).resourceMetrics, 'system.cpu.utilization').find((p) => p.attributes['cpu.mode'] === 'user')?.value;

    // A known load: 75 % user over two seconds, then the readers collect 10 ms apart.
    now = 2000;
    stat(1150, 1050);
    expect(await userShare(pull)).toBe(0.75);
    now = 2010;
    stat(1151, 1050);
    expect(await userShare(push)).toBe(0.75);
    // Once the window is a second old, the next collection starts a new one (from t=2000: 1 user tick, 100 idle).
    now = 3010;
    stat(1151, 1150);
    expect(await userShare(push)).toBeCloseTo(1 / 101, 12);
    expect(await userShare(pull)).toBeCloseTo(1 / 101, 12);
  });
});
