import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from './collector.ts';
import { startPrometheus, type Prometheus } from './prometheus.ts';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer.ts';
import { toolPath } from './tools.ts';

/**
 * The reference topology of docs/deployment.md ("A fleet that outgrows one
 * Prometheus") on one machine: agents push OTLP to a round-robin TCP balancer in
 * front of a tier of gateway Collectors, each running the shipped config with
 * prometheus_remote_write and its own write-ahead log, all writing into one store
 * (Prometheus 3.5's remote-write receiver; in production a horizontally scalable
 * one: Mimir, VictoriaMetrics cluster, Thanos receive).
 */
export interface GatewayTopology {
  /** Where every agent pushes (--otlp.endpoint): the balancer. */
  readonly otlpUrl: string;
  readonly store: Prometheus;
  readonly balancer: TcpBalancer;
  /** The gateway replicas, in the balancer's order; startGateway replaces an entry. */
  readonly gateways: readonly Collector[];
  /** A gateway replica stops (SIGTERM); the balancer sends new connections to the others. */
  stopGateway(index: number): Promise<void>;
  /** A stopped replica starts again on its addresses, with its write-ahead log. */
  startGateway(index: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startGatewayTopology(options: { gateways?: number } = {}): Promise<GatewayTopology> {
  const binary = toolPath('prometheus');
  if (!binary) throw new Error('prometheus missing');
  const walRoot = mkdtempSync(join(tmpdir(), 'qb-gateways-'));
  const store = await startPrometheus({ binary, receivers: ['remote-write'] });
  const gateways: Collector[] = [];
  try {
    for (let i = 0; i < (options.gateways ?? 2); i++) {
      gateways.push(await startCollector({ exporters: ['prometheus_remote_write'], remoteWriteUrl: store.remoteWriteUrl, walDir: join(walRoot, `gateway-${i}`) }));
    }
  } catch (err) {
    await Promise.all(gateways.map((g) => g.stop()));
    await store.destroy();
    rmSync(walRoot, { recursive: true, force: true });
    throw err;
  }
  const receiver = (g: Collector) => new URL(g.otlpUrl);
  const balancer = await startTcpBalancer({ backends: gateways.map((g) => receiver(g).host) });
  return {
    otlpUrl: `http://${balancer.address}${receiver(gateways[0]!).pathname}`,
    store,
    balancer,
    gateways,
    stopGateway: (index) => gateways[index]!.stop(),
    async startGateway(index) {
      gateways[index] = await gateways[index]!.restart();
    },
    async stop() {
      await balancer.close();
      await Promise.all(gateways.map((g) => g.stop()));
      await store.destroy();
      rmSync(walRoot, { recursive: true, force: true });
    },
  };
}
