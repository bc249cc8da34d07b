import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus-server.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from '../../support/victoria-metrics.ts';
import { startVmAlert, type VmAlert } from '../../support/vmalert.ts';
import { scaled, scaledRuleFile, TIME_SCALE } from './scaled-rules.ts';

/**
 * A data path of the fleet test: how agents are configured, how the engine
 * learns about them, and which engine the dashboards and rules run on. The
 * script (script.ts) is the same for every path; a new path (the Collector,
 * per-business-day counters) is one more implementation of this interface.
 */
export interface FleetPath {
  readonly name: string;
  /** Extra agent flags for this path. */
  readonly agentArgs: readonly string[];
  /** Labels that tell which agent a QualityBillingSystemDown alert is about. */
  alertSubject(alert: { labels: Record<string, string> }): string;
  /** The subject an agent's alert has on this path. */
  subjectOf(agent: { address: string; identity: string }): string;
  /**
   * QualityBillingSystemDown's documented bound for a decommissioned agent:
   * it ends once the agent left service discovery (pull), or FORGET_AGENT_AFTER
   * after its last report (push); `ms` adds the engines' evaluation slack.
   */
  readonly decommissionBound: { readonly from: 'removal' | 'last-report'; readonly ms: number };
  /** A target appears (pull: service discovery lists it). */
  addTarget(address: string): Promise<void>;
  /** A target is taken out of service discovery (pull); nothing on push. */
  removeTarget(address: string): Promise<void>;
  /** Instant query at `time` (Unix seconds). */
  query(expr: string, time?: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Alerts the rule engine holds now. */
  alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>>;
  stop(): Promise<void>;
}

/** Scrape, push and rule-evaluation interval of every path. */
export const INTERVAL = '1s';

/** Pull: a real Prometheus 3.5 scrapes every agent listed in a file_sd file, and evaluates the (time-scaled) shipped rules. */
export async function pullPath(): Promise<FleetPath> {
  const dir = mkdtempSync(join(tmpdir(), 'qb-fleet-pull-'));
  const sd = join(dir, 'agents.json');
  const targets = new Set<string>();
  const writeTargets = () => writeFileSync(sd, JSON.stringify([{ targets: [...targets], labels: {} }]));
  writeTargets();
  const prom: PrometheusServer = await startPrometheus({ fileSd: sd }, { ruleFile: scaledRuleFile(dir), interval: INTERVAL });
  return {
    name: 'pull: Prometheus 3.5 scrapes the agents',
    agentArgs: [],
    alertSubject: (a) => a.labels.instance ?? '',
    subjectOf: (agent) => agent.address,
    // Prometheus re-reads the file_sd file on change; the next evaluation no longer sees the target.
    decommissionBound: { from: 'removal', ms: 15_000 },
    async addTarget(address) {
      targets.add(address);
      writeTargets();
    },
    async removeTarget(address) {
      targets.delete(address);
      writeTargets();
    },
    async query(expr, time) {
      const answer = await prom.query(expr, time);
      if (answer.status !== 'success') throw new Error(`${answer.error}\n${expr}`);
      return answer.data!.result;
    },
    alerts: () => prom.alerts(),
    async stop() {
      await prom.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Push: the agents push OTLP into VictoriaMetrics 1.145; vmalert evaluates the same (time-scaled) rules and writes them back. */
export async function pushPath(): Promise<FleetPath> {
  const dir = mkdtempSync(join(tmpdir(), 'qb-fleet-push-'));
  const vm: VictoriaMetrics = await startVictoriaMetrics();
  // vmalert's instant queries look back `step` for the latest sample (5m by default): scaled like the rules.
  const alert: VmAlert = await startVmAlert({ vmUrl: vm.url, ruleFile: scaledRuleFile(dir), evaluationInterval: INTERVAL, queryStep: `${300 / TIME_SCALE}s` });
  return {
    name: 'push: OTLP into VictoriaMetrics 1.145, rules in vmalert',
    agentArgs: ['--otlp.endpoint', vm.otlpUrl, '--otlp.intervalMs', '1000', '--otlp.timeoutMs', '1000'],
    alertSubject: (a) => a.labels.service_instance_id ?? '',
    subjectOf: (agent) => agent.identity,
    decommissionBound: { from: 'last-report', ms: Number.parseInt(scaled('1h'), 10) * 1000 + 30_000 },
    addTarget: async () => undefined,
    removeTarget: async () => undefined,
    async query(expr, time) {
      const params = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: time.toFixed(3) }) });
      const body = (await (await fetch(`${vm.url}/api/v1/query`, { method: 'POST', body: params })).json()) as {
        status: string;
        error?: string;
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      if (body.status !== 'success') throw new Error(`${body.error}\n${expr}`);
      return body.data.result;
    },
    alerts: () => alert.alerts(),
    async stop() {
      await alert.stop();
      await vm.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
