import { IMPROVEMENT_BUCKETS, QUALITY_SCORE_BUCKETS } from '../../../src/business/catalogue.ts';

/**
 * What the fleet test sent, kept the way the carried series keep it: per agent
 * identity (service.instance.id), per counter series, the value its latest
 * scrape or push shows. Expected panel values are computed from two snapshots
 * of this, with the same arithmetic as the PromQL, so exact figures compare
 * with toEqual.
 */

export type FleetEvent =
  | { type: 'invoice'; id: string; amount_cents: number; currency: string; quality_grade: string; billed_hours: number }
  | { type: 'work_session'; id: string; user: string; task_type: string; duration_seconds: number; effective_seconds: number }
  | { type: 'quality_assessment'; id: string; user: string; task_type: string; score: number; previous_score?: number };

/** The agent's grades (business.gradeThresholds default). */
const grade = (score: number) => (score >= 90 ? 'A' : score >= 80 ? 'B' : score >= 70 ? 'C' : 'D');

/** Counter series key: `<metric>|<label values>` (metric names as in the carried records, label order as in carried.ts). */
export type Series = Map<string, number>;
/** Carried values per agent identity. */
export type Snapshot = ReadonlyMap<string, ReadonlyMap<string, number>>;

export class Ledger {
  /** What the carried series hold per identity: the last value each series showed. */
  readonly #carried = new Map<string, Series>();
  /** What each identity's current process has counted since its counters started (reset when its state is lost). */
  readonly #lifetime = new Map<string, Series>();
  /** Per identity, the RESET_WATCH sum after each batch, and the resets seen so far. */
  readonly #watch = new Map<string, number>();
  #resets = 0;

  /** Events an agent accepted (202) under `identity`. */
  accepted(identity: string, events: readonly FleetEvent[]): void {
    const carried = this.#carried.get(identity) ?? new Map<string, number>();
    const lifetime = this.#lifetime.get(identity) ?? new Map<string, number>();
    this.#carried.set(identity, carried);
    this.#lifetime.set(identity, lifetime);
    const add = (key: string, v: number) => {
      const next = (lifetime.get(key) ?? 0) + v;
      lifetime.set(key, next);
      carried.set(key, next);
    };
    for (const e of events) {
      if (e.type === 'invoice') {
        const g = `${e.currency}|${e.quality_grade}`;
        add(`amount|${g}`, e.amount_cents);
        add(`invoices|${g}`, 1);
        add(`billed|${g}`, e.billed_hours * 3600);
      } else if (e.type === 'work_session') {
        add(`work|${e.task_type}`, e.duration_seconds);
        add(`effective|${e.task_type}`, e.effective_seconds);
      } else {
        add(`assessments|${e.task_type}|${grade(e.score)}`, 1);
        add(`score_sum|${e.task_type}`, e.score);
        add(`score_count|${e.task_type}`, 1);
        for (const le of [...QUALITY_SCORE_BUCKETS, Infinity]) add(`score_bucket|${e.task_type}|${le}`, e.score <= le ? 1 : 0);
        if (e.previous_score !== undefined) {
          const change = e.score - e.previous_score;
          add(`improvement_sum|${e.task_type}`, change);
          add(`improvement_count|${e.task_type}`, 1);
          for (const le of [...IMPROVEMENT_BUCKETS, Infinity]) add(`improvement_bucket|${e.task_type}|${le}`, change <= le ? 1 : 0);
        }
      }
    }
    // RESET_WATCH: the identity's invoices + assessments; a drop is one counter reset.
    let watch = 0;
    for (const [k, v] of carried) if (k.startsWith('invoices|') || k.startsWith('assessments|')) watch += v;
    if (watch < (this.#watch.get(identity) ?? 0)) this.#resets++;
    this.#watch.set(identity, watch);
  }

  /**
   * The identity's durable state is gone but the identity is kept (an explicitly
   * configured service.instance.id): its counters start from zero, while each
   * carried series keeps its old value until the agent counts in it again.
   */
  lostState(identity: string): void {
    this.#lifetime.set(identity, new Map());
  }

  snapshot(): Checkpoint {
    return { carried: new Map([...this.#carried].map(([id, s]) => [id, new Map(s)])), resets: this.#resets };
  }

  /** Sum per carried metric (all identities, all series): what the engine must show once it has caught up. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const series of this.#carried.values()) {
      for (const [key, v] of series) {
        const metric = key.split('|', 1)[0]!;
        out[metric] = (out[metric] ?? 0) + v;
      }
    }
    return out;
  }
}

export interface Checkpoint {
  readonly carried: Snapshot;
  /** Counter resets (RESET_WATCH drops) so far. */
  readonly resets: number;
}

/** The empty state before anything was sent (ranges that start before the carried series existed). */
export const NOTHING: Checkpoint = { carried: new Map(), resets: 0 };

/**
 * Σ over identities of a metric's series, by group: `labels` picks label
 * positions of the series key (after the metric name) that form the group.
 */
function sums(cp: Checkpoint, metric: string, labels: readonly number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const series of cp.carried.values()) {
    for (const [key, v] of series) {
      const [name, ...values] = key.split('|');
      if (name !== metric) continue;
      const group = labels.map((i) => values[i]).join(' ');
      out.set(group, (out.get(group) ?? 0) + v);
    }
  }
  return out;
}

/** `sum by (g) (now) - (sum by (g) (then) or sum by (g) (now) * 0)`, per group. */
export function exact(from: Checkpoint, to: Checkpoint, metric: string, labels: readonly number[] = []): Map<string, number> {
  const then = sums(from, metric, labels);
  const out = new Map<string, number>();
  for (const [g, v] of sums(to, metric, labels)) out.set(g, v - (then.get(g) ?? 0));
  return out;
}
