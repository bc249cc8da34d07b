import type { Meter } from '@opentelemetry/api';
import type { SnapshotSource } from '../state/durable-store.ts';
import type { EntryList, SnapshotContent } from '../state/snapshot-format.ts';
import type { ActiveUsers } from './active-users.ts';
import type { CardinalityGuard } from './cardinality.ts';
import { CATALOGUE, type MetricSpec } from './catalogue.ts';
import type { DedupeStore } from './dedupe.ts';
import { captureMetrics, seedMetrics, type MetricsState, type SnapshotReader } from './metric-state.ts';
import { seriesKey } from './series.ts';

export interface BusinessSnapshotOptions {
  readonly guard: CardinalityGuard;
  readonly dedupe: DedupeStore;
  readonly activeUsers: ActiveUsers;
  /** The meter the business instruments live on: restored values are seeded into it. */
  readonly meter: Meter;
  readonly reader: SnapshotReader;
  /** The instrumentation scope of the business instruments. */
  readonly scopeName: string;
}

/** The business fields of a snapshot's head. */
type BusinessHead = {
  /** Cumulative state of every business metric. */
  readonly metrics: MetricsState;
  /** Measurements folded into each metric's overflow series (bounded by the cardinality limits). */
  readonly overflow: ReadonlyArray<[metric: string, count: number]>;
};

const SPEC_BY_NAME: ReadonlyMap<string, MetricSpec> = new Map((Object.values(CATALOGUE) as MetricSpec[]).map((s) => [s.name, s]));

/**
 * What the business state puts in a durable-state snapshot and how it comes
 * back: the metrics' cumulative points and overflow counts in the head, the
 * remembered event ids and the active users as entries.
 *
 *   dedupe entry: id (text), fingerprint (short text), acceptance time (double)
 *   users entry:  user (text), last seen (double), inactive (flag)
 */
export function businessSnapshot(o: BusinessSnapshotOptions): SnapshotSource {
  return {
    async capture(): Promise<SnapshotContent> {
      const metrics = await captureMetrics(o.reader, o.scopeName);
      // One synchronous step from here: flat copies of the ids and users (their strings are shared, not copied),
      // so applies resume at once and the copy is serialized a chunk at a time while requests are served.
      const head: BusinessHead = { metrics, overflow: o.guard.usage().map((u) => [u.metric, u.overflowed]) };
      const ids = o.dedupe.copy();
      const users = o.activeUsers.copy();
      const dedupe: EntryList = {
        count: ids.ids.length,
        write(out, i) {
          out.text(ids.ids[i]!);
          out.shortText(ids.fingerprints[i]!);
          out.double(ids.times[i]!);
        },
      };
      const active: EntryList = {
        count: users.users.length,
        write(out, i) {
          out.text(users.users[i]!);
          out.double(users.seenMs[i]!);
          out.flag(users.inactive[i]!);
        },
      };
      return { head, entries: { dedupe, users: active } };
    },
    restorer: {
      head: (head) => restoreHead(o, head as unknown as BusinessHead),
      entries: {
        dedupe: (entry) => o.dedupe.remember(entry.text(), entry.shortText(), entry.double()),
        users: (entry) => o.activeUsers.restore(entry.text(), entry.double(), entry.flag()),
      },
    },
  };
}

/**
 * Seeds the metrics, then re-registers every restored series with the
 * cardinality guard under the key the recorder uses (seriesKey), so label
 * values seen before the restart keep their series and count against the
 * limit.
 */
function restoreHead(o: BusinessSnapshotOptions, head: BusinessHead): void {
  seedMetrics(o.meter, head.metrics);
  for (const [name, entry] of Object.entries(head.metrics)) {
    const spec = SPEC_BY_NAME.get(name);
    if (!spec) continue;
    for (const p of [...(entry.counters ?? []), ...(entry.histograms ?? [])]) {
      if (p.a['otel.metric.overflow'] === true) continue;
      o.guard.restore(name, seriesKey(spec, p.a), p.a);
    }
  }
  for (const [metric, count] of head.overflow) o.guard.restoreOverflow(metric, count);
}
