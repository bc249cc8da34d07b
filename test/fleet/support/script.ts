import { expect } from 'vitest';
import { FLEET_SUMS, RESET_WATCH, carriedRecordOf } from '../../../src/grafana/carried.ts';
import { eventually, postEvents } from '../../support/workload.ts';
import { FleetAgent } from './fleet-agent.ts';
import { Ledger, NOTHING, type Checkpoint } from './ledger.ts';
import { RANGE_PANELS, expectedOf, panelQuery, shown } from './panels.ts';
import type { FleetPath } from './paths.ts';
import { fleetBatch } from './workload.ts';

/**
 * The fleet script, the same on every path: six real agents through a restart
 * in place, a move with the state dir, an outage, a rolling deploy whose old
 * agent is decommissioned, and two lost states (default and configured
 * instance id), with known batches between the steps. At every checkpoint
 * (a quiet instant once the engine's carried series hold everything sent so
 * far) every range panel is evaluated over ranges starting at earlier
 * checkpoints and compared with the ledger, and the rule engine's firing
 * alerts are checked against the agents the script took down on purpose.
 */

/** The ledger's metric names for the carried records. */
const LEDGER_METRICS: Readonly<Record<string, string>> = {
  quality_billing_invoice_amount_cents_total: 'amount',
  quality_billing_invoices_total: 'invoices',
  quality_billing_billed_time_seconds_total: 'billed',
  quality_billing_work_time_seconds_total: 'work',
  quality_billing_effective_work_time_seconds_total: 'effective',
  quality_billing_quality_assessments_total: 'assessments',
  quality_billing_quality_score_sum: 'score_sum',
  quality_billing_quality_score_count: 'score_count',
  quality_billing_quality_score_bucket: 'score_bucket',
  quality_billing_quality_improvement_points_sum: 'improvement_sum',
  quality_billing_quality_improvement_points_count: 'improvement_count',
  quality_billing_quality_improvement_points_bucket: 'improvement_bucket',
};
/**
 * Every record the figures read, with the ledger metrics whose total it must show: the carried series,
 * the fleet-wide sums and the reset watch. vmalert writes a group's records back one by one, so the sums
 * can trail the carried series by an evaluation: all of them are waited for.
 */
const RECORD_TOTALS = new Map<string, readonly string[]>([
  ...Object.entries(LEDGER_METRICS).map(([source, metric]) => [carriedRecordOf(source), [metric]] as const),
  ...FLEET_SUMS.map((f) => [f.record, [LEDGER_METRICS[f.source]!]] as const),
  [RESET_WATCH.record, ['invoices', 'assessments']],
]);
const CARRIED_TOTALS = `sum by (__name__) ({__name__=~"[a-z_]+:quality_billing_.+:(carried|carried_sum|sum_carried)"})`;

/** How long SystemDown takes to fire on the time-scaled rules (silence window + `for`, plus scrape and evaluation slack). */
const FIRE_WITHIN_MS = 60_000;

interface Named {
  readonly name: string;
  readonly at: number;
  readonly cp: Checkpoint;
}

export interface FleetReport {
  readonly checkpoints: number;
  readonly panelChecks: number;
}

export async function runFleetScript(path: FleetPath, agentsToDispose: FleetAgent[]): Promise<FleetReport> {
  const ledger = new Ledger();
  const checkpoints: Named[] = [{ name: 'before any event', at: Date.now() / 1000, cp: NOTHING }];
  const batches = new Map<string, number>();
  /** Subjects (pull: address, push: identity) whose QualityBillingSystemDown may fire now. */
  const mayFire = new Set<string>();
  let panelChecks = 0;

  const agent = async (name: string, options: { instanceId?: string } = {}) => {
    const a = new FleetAgent(name, path.agentArgs, options);
    agentsToDispose.push(a);
    await a.start();
    await path.addTarget(a.address);
    return a;
  };
  const send = async (...agents: FleetAgent[]) => {
    for (const a of agents) {
      const n = batches.get(a.name) ?? 0;
      batches.set(a.name, n + 1);
      const events = fleetBatch(a.name, n);
      expect(await postEvents(a.url, events), `${a.name} batch ${n}`).toEqual({ status: 202, body: { accepted: events.length, duplicates: 0 } });
      ledger.accepted(a.identity, events);
    }
  };
  const firing = async () => (await path.alerts()).filter((a) => a.state === 'firing');

  /** Waits until the carried series hold everything sent, then checks every range panel and the alerts at this instant. */
  const checkpoint = async (name: string) => {
    const totals = ledger.totals();
    const want: Record<string, number> = {};
    for (const [record, metrics] of RECORD_TOTALS) {
      if (metrics.some((m) => totals[m] !== undefined)) want[record] = metrics.reduce((sum, m) => sum + (totals[m] ?? 0), 0);
    }
    let got: Record<string, number> = {};
    await eventually(
      async () => {
        got = {};
        for (const r of await path.query(CARRIED_TOTALS)) if (RECORD_TOTALS.has(r.metric.__name__ ?? '')) got[r.metric.__name__!] = Number(r.value[1]);
        return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()) ? true : undefined;
      },
      60_000,
      `the carried series to hold what was sent (${name})`,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nwant ${JSON.stringify(want)}\ngot  ${JSON.stringify(got)}`);
    });
    const now: Named = { name, at: Date.now() / 1000, cp: ledger.snapshot() };
    checkpoints.push(now);
    // Ranges from before anything, from the first and the middle checkpoint, and from the last two.
    const j = checkpoints.length - 1;
    const starts = [...new Set([0, 1, Math.floor(j / 2), j - 2, j - 1])].filter((i) => i >= 0 && i < j);
    for (const panel of RANGE_PANELS) {
      for (const i of panel.usesRange ? starts : [0]) {
        const from = checkpoints[i]!;
        const rows = await path.query(panelQuery(panel, (now.at - from.at) * 1000), now.at);
        const where = `${panel.dashboard} / ${panel.title}, from "${from.name}" to "${name}" (${path.name})`;
        expect(shown(panel, rows), where).toEqual(expectedOf(panel, from.cp, now.cp));
        panelChecks++;
      }
    }
    for (const a of await firing()) {
      expect(a.labels.alertname, `${name}: ${JSON.stringify(a.labels)}`).toBe('QualityBillingSystemDown');
      expect(mayFire.has(path.alertSubject(a)), `${name}: QualityBillingSystemDown fired for ${path.alertSubject(a)}`).toBe(true);
    }
  };
  /** `during` runs while `agent` is down: its QualityBillingSystemDown may fire meanwhile (see the restart step). */
  const downFor = async (agent: FleetAgent, during: () => Promise<void>) => {
    const subject = path.subjectOf(agent);
    mayFire.add(subject);
    await during();
    return subject;
  };
  /** Once the agent is back, its alert (if it fired) ends, and from then on may not fire. */
  const backFrom = async (subject: string) => {
    await eventually(async () => ((await systemDownFor(subject)) ? undefined : true), FIRE_WITHIN_MS, `QualityBillingSystemDown to end for ${subject}`);
    mayFire.delete(subject);
  };
  const systemDownFor = async (subject: string) => (await firing()).some((a) => a.labels.alertname === 'QualityBillingSystemDown' && path.alertSubject(a) === subject);

  // The fleet: four agents, and L with an explicitly configured service.instance.id.
  const [a, b, c, d] = [await agent('a'), await agent('b'), await agent('c'), await agent('d')];
  const l = await agent('l', { instanceId: 'fleet-configured-id' });
  await send(a, b, c, d, l);
  await checkpoint('five agents counting');

  // A rolling deploy: e starts beside d, both take events, then d is decommissioned.
  const e = await agent('e');
  await send(d, e);
  await checkpoint('rolling deploy: d and e overlap');
  const dSubject = path.subjectOf(d);
  mayFire.add(dSubject);
  await d.stop();
  const dStoppedAt = Date.now();
  await send(e);
  await checkpoint('d stopped for good, still listed');
  await eventually(async () => ((await systemDownFor(dSubject)) ? true : undefined), FIRE_WITHIN_MS, 'QualityBillingSystemDown for the decommissioned agent');
  await path.removeTarget(d.address);
  const dAlertEndsBy = (path.decommissionBound.from === 'removal' ? Date.now() : dStoppedAt) + path.decommissionBound.ms;
  const dAlertEnded = () => eventually(async () => ((await systemDownFor(dSubject)) ? undefined : true), Math.max(1000, dAlertEndsBy - Date.now()), 'QualityBillingSystemDown to end for the decommissioned agent within its bound');
  if (path.decommissionBound.from === 'removal') {
    await dAlertEnded();
    mayFire.delete(dSubject);
  }

  // A restart in place: same address, same state dir, stopped right after a 202 (the agent drains its
  // last scrape, or makes its final push, before it exits). The figures are checked while it is down:
  // waiting for the engine to hold everything can take longer than the time-scaled alert's 12 s, so its
  // alert may fire meanwhile and must end once it is back. The quick restart and move at the end may not alert.
  await send(a);
  await a.stop();
  const aDown = await downFor(a, () => checkpoint('a stopped right after a 202 (down)'));
  await a.start({ samePort: true });
  await send(a);
  await backFrom(aDown);
  await checkpoint('a restarted in place');

  // A move: b comes back on a new address with its state dir (a rescheduled pod).
  await b.stop();
  await path.removeTarget(b.address);
  const bDown = await downFor(b, () => checkpoint('b moving (down)'));
  await b.start();
  await path.addTarget(b.address);
  await send(b);
  await backFrom(bDown);
  await checkpoint('b moved to a new address');

  // An outage: c is down for a while (still listed), the others keep counting, then it comes back.
  const cSubject = path.subjectOf(c);
  mayFire.add(cSubject);
  await c.stop();
  await checkpoint('c down');
  await send(a, b, e);
  await checkpoint('during the outage of c');
  await eventually(async () => ((await systemDownFor(cSubject)) ? true : undefined), FIRE_WITHIN_MS, 'QualityBillingSystemDown for the agent that is down');
  await c.start({ samePort: true });
  await send(c);
  await eventually(async () => ((await systemDownFor(cSubject)) ? undefined : true), FIRE_WITHIN_MS, 'QualityBillingSystemDown to resolve once the agent is back');
  mayFire.delete(cSubject);
  await checkpoint('c back after the outage');

  // Lost state under the default instance id: e comes back as a new agent, counting from zero. Its old
  // identity falls silent: on push QualityBillingSystemDown fires for it (documented: up to
  // FORGET_AGENT_AFTER); on pull e keeps its address, so nothing fires.
  const eOld = e.identity;
  mayFire.add(path.subjectOf(e));
  await e.stop();
  e.loseState();
  await e.start({ samePort: true });
  expect(e.identity).not.toBe(eOld);
  await send(e);
  await checkpoint('e lost its state (new identity)');

  // Lost state under a configured instance id: the same identity counts from zero again.
  await l.stop();
  l.loseState();
  await l.start({ samePort: true });
  expect(l.identity).toBe('fleet-configured-id');
  ledger.lostState(l.identity);
  await send(l);
  await checkpoint('l lost its state (same identity)');
  // A quick restart in place and a quick move: no alert.
  await a.stop();
  await a.start({ samePort: true });
  await b.stop();
  await path.removeTarget(b.address);
  await b.start();
  await path.addTarget(b.address);
  await send(a, b, c, e, l);
  await checkpoint('after a quick restart and a quick move');

  // On push the decommissioned agent's alert ends FORGET_AGENT_AFTER after its last report.
  await dAlertEnded();
  mayFire.delete(dSubject);
  for (const a of await firing()) expect(mayFire.has(path.alertSubject(a)), `at the end: ${JSON.stringify(a.labels)}`).toBe(true);
  return { checkpoints: checkpoints.length, panelChecks };
}
