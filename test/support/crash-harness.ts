import { readdirSync } from 'node:fs';
import { parseExposition, select, type Sample } from './prom-text.ts';
import { spawnAgent, type AgentProcess } from './agent-process.ts';

/**
 * The crash test's loader, shared with bench/reliability.ts: batches of events
 * with ids and integer values (so every sum is exact in floating point), the
 * business counters they move, and one SIGKILL trial.
 */
export interface Batch {
  readonly id: string;
  readonly events: ReadonlyArray<Record<string, unknown>>;
}

/** The series the crash test checks; each is a plain sum over the events of a batch. */
export const WATCHED = [
  { name: 'quality_billing_invoice_amount_cents_total', labels: { currency: 'EUR', quality_grade: 'A' } },
  { name: 'quality_billing_invoices_total', labels: { currency: 'EUR', quality_grade: 'A' } },
  { name: 'quality_billing_work_time_seconds_total', labels: { task_type: 'crash' } },
  { name: 'quality_billing_work_sessions_total', labels: { task_type: 'crash' } },
  { name: 'quality_billing_quality_score_count', labels: { task_type: 'crash' } },
  { name: 'quality_billing_quality_score_sum', labels: { task_type: 'crash' } },
  { name: 'quality_billing_quality_score_bucket', labels: { task_type: 'crash', le: '50' } },
] as const;

export type Totals = number[];

/** Deterministic batches: `size` events each, ids `<prefix>-<batch>-<event>`. */
export function makeBatches(prefix: string, count: number, size: number): Batch[] {
  const batches: Batch[] = [];
  for (let b = 0; b < count; b++) {
    const events: Array<Record<string, unknown>> = [];
    for (let i = 0; i < size; i++) {
      const id = `${prefix}-${b}-${i}`;
      const n = b * 7 + i * 13;
      switch (i % 3) {
        case 0:
          events.push({ type: 'invoice', id, amount_cents: 100 + (n % 9000), currency: 'EUR', quality_grade: 'A', billed_hours: (n % 8) / 4 });
          break;
        case 1:
          events.push({ type: 'work_session', id, user: `u${n % 50}`, task_type: 'crash', duration_seconds: 60 + (n % 600), effective_seconds: 30 });
          break;
        default:
          events.push({ type: 'quality_assessment', id, task_type: 'crash', score: n % 101 });
      }
    }
    batches.push({ id: `${prefix}-${b}`, events });
  }
  return batches;
}

/** What a set of batches adds to each WATCHED series. */
export function totalsOf(batches: readonly Batch[]): Totals {
  const t = WATCHED.map(() => 0);
  for (const b of batches) {
    for (const e of b.events) {
      if (e.type === 'invoice') {
        t[0]! += e.amount_cents as number;
        t[1]! += 1;
      } else if (e.type === 'work_session') {
        t[2]! += e.duration_seconds as number;
        t[3]! += 1;
      } else {
        t[4]! += 1;
        t[5]! += e.score as number;
        if ((e.score as number) <= 50) t[6]! += 1;
      }
    }
  }
  return t;
}

/** Current values of the WATCHED series (0 when a series does not exist yet). */
export async function readTotals(agent: AgentProcess): Promise<Totals> {
  const samples: Sample[] = parseExposition(await (await fetch(`${agent.url}/metrics`)).text());
  return WATCHED.map((w) => select(samples, w.name, w.labels).reduce((sum, s) => sum + s.value, 0));
}

export async function postBatch(url: string, batch: Batch): Promise<{ status: number; body: { accepted?: number; duplicates?: number } }> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events: batch.events }),
  });
  return { status: res.status, body: (await res.json()) as { accepted?: number; duplicates?: number } };
}

export interface KillTrial {
  /** Milliseconds from the first request to the kill. */
  readonly killAfterMs: number;
  readonly sent: Batch[];
  readonly acked: Batch[];
  /** Sent, never answered: in flight at the kill. */
  readonly inFlight: Batch[];
  /** WATCHED values after the restart. */
  readonly restored: Totals;
}

/**
 * When to SIGKILL the loaded agent: after a time (the benchmark's random
 * points), or, for a reproducible trial, at the moment the loader has this
 * many acknowledgements, counted from the first snapshot (file) in the state
 * dir when `afterSnapshot` is set.
 */
export type KillPoint = { readonly afterMs: number } | { readonly afterAcks: number; readonly afterSnapshot?: boolean };

const hasSnapshot = (dir: string) => readdirSync(dir).some((f) => /^snapshot-\d+\.snap$/.test(f));

/**
 * Loads the agent with `concurrency` senders until the kill point, SIGKILLs
 * it, then restarts it on the same state dir. Returns the restarted agent (the
 * caller stops it) and what was acknowledged.
 */
export async function killTrial(options: {
  stateDir: string;
  kill: KillPoint;
  batches: readonly Batch[];
  concurrency: number;
  /** More agent flags, e.g. a short snapshot interval. */
  extraArgs?: readonly string[];
}): Promise<{ trial: KillTrial; agent: AgentProcess }> {
  const args = ['--state.dir', options.stateDir, '--host.enabled', 'false', ...(options.extraArgs ?? [])];
  const first = await spawnAgent({ args, env: { QB_AGENT_LOG_LEVEL: 'info' } });
  const sent: Batch[] = [];
  const acked: Batch[] = [];
  let next = 0;
  let killed = false;
  let fire!: () => void;
  const killPoint = new Promise<void>((resolve) => (fire = resolve));
  const kill = options.kill;
  // Acknowledgements counted from here: the start, or the first snapshot.
  let ackBase: number | undefined = 'afterAcks' in kill && kill.afterSnapshot ? undefined : 0;
  const onAck = () => {
    if (!('afterAcks' in kill)) return;
    if (ackBase === undefined && hasSnapshot(options.stateDir)) ackBase = acked.length;
    if (ackBase !== undefined && acked.length - ackBase >= kill.afterAcks) fire();
  };
  const sender = async () => {
    while (!killed && next < options.batches.length) {
      const batch = options.batches[next++]!;
      sent.push(batch);
      try {
        const res = await postBatch(first.url, batch);
        if (res.status !== 202) throw new Error(`unexpected ${res.status} ${JSON.stringify(res.body)}`);
        // A 202 read after the kill was still sent before it: acknowledged all the same.
        acked.push(batch);
        onAck();
      } catch (err) {
        if (!killed) throw err;
      }
    }
    // Out of batches before the kill point: kill now, the caller's checks will say so.
    fire();
  };
  const started = performance.now();
  if ('afterMs' in kill) setTimeout(fire, kill.afterMs);
  const senders = Array.from({ length: options.concurrency }, sender);
  await Promise.race([killPoint, Promise.all(senders)]);
  killed = true;
  first.child.kill('SIGKILL');
  const killAfterMs = performance.now() - started;
  await first.exited;
  await Promise.allSettled(senders);
  const ackedIds = new Set(acked.map((b) => b.id));
  const inFlight = sent.filter((b) => !ackedIds.has(b.id));
  const agent = await spawnAgent({ args, env: { QB_AGENT_LOG_LEVEL: 'info' } });
  const restored = await readTotals(agent);
  return { trial: { killAfterMs, sent, acked, inFlight, restored }, agent };
}
