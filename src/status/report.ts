import type { CardinalityUsage } from '../business/cardinality.ts';
import { redactConfig, redactUrl } from '../config/load.ts';
import type { ConfigValues } from '../config/schema.ts';
import type { ExportHealthSnapshot } from '../telemetry/export-health.ts';
import type { DurableStateStats } from '../state/stats.ts';
import type { IngestWindow, IngestWindowSnapshot } from './ingest-window.ts';
import type { Rejection, RejectionLog } from './rejection-log.ts';

/** Everything GET /api/status reads; each part is owned elsewhere and only read here. */
export interface StatusSources {
  readonly version: string;
  readonly startedAtMs: number;
  readonly config: Readonly<ConfigValues>;
  readonly window: IngestWindow;
  readonly rejections: RejectionLog;
  readonly cardinality: () => readonly CardinalityUsage[];
  /** Metrics that carry labels, listed at 0 until their first series. */
  readonly labelledMetrics: readonly string[];
  readonly exportHealth: () => ExportHealthSnapshot;
  /** Durable state's facts; undefined shows "durable state: off". */
  readonly durableState?: DurableStateStats | undefined;
  readonly now?: () => number;
}

/** The body of GET /api/status; docs/status.md describes every field. */
export interface StatusReport {
  readonly version: string;
  readonly node: string;
  readonly now: string;
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly paths: {
    readonly pull: { readonly enabled: true; readonly path: '/metrics' };
    readonly push: { readonly enabled: boolean; readonly endpoint: string | null; readonly intervalMs: number };
    readonly durableState: { readonly enabled: boolean };
  };
  readonly config: Record<string, Record<string, unknown>>;
  readonly ingest: IngestWindowSnapshot;
  readonly rejections: {
    readonly total: number;
    readonly capacity: number;
    readonly recent: ReadonlyArray<Omit<Rejection, 'timeMs'> & { readonly time: string }>;
  };
  readonly cardinality: readonly CardinalityUsage[];
  readonly push: {
    readonly enabled: boolean;
    readonly successes: number;
    readonly failures: number;
    readonly consecutiveFailures: number;
    readonly lastSuccess: string | null;
    readonly lastError: string | null;
    readonly lastErrorAt: string | null;
  };
  readonly durableState:
    | { readonly enabled: false }
    | { readonly enabled: true; readonly dir: string; readonly journalBytes: number; readonly journalRecords: number; readonly lastSnapshot: string | null; readonly lastError: string | null };
}

const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

export function buildStatusReport(s: StatusSources): StatusReport {
  const nowMs = (s.now ?? Date.now)();
  const { otlp, business } = s.config;
  const pushEnabled = otlp.endpoint !== '';
  const health = s.exportHealth();
  const usage = new Map(s.cardinality().map((u) => [u.metric, u]));
  const metrics = [...new Set([...s.labelledMetrics, ...usage.keys()])].sort();
  const state = s.durableState;
  return {
    version: s.version,
    node: process.version,
    now: new Date(nowMs).toISOString(),
    startedAt: new Date(s.startedAtMs).toISOString(),
    uptimeSeconds: Math.max(0, Math.floor((nowMs - s.startedAtMs) / 1000)),
    paths: {
      pull: { enabled: true, path: '/metrics' },
      push: { enabled: pushEnabled, endpoint: pushEnabled ? redactUrl(otlp.endpoint) : null, intervalMs: otlp.intervalMs },
      durableState: { enabled: state !== undefined },
    },
    config: redactConfig(s.config),
    ingest: s.window.snapshot(),
    rejections: {
      total: s.rejections.total,
      capacity: s.rejections.capacity,
      recent: s.rejections.recent().map(({ timeMs, ...rest }) => ({ time: new Date(timeMs).toISOString(), ...rest })),
    },
    cardinality: metrics.map((metric) => {
      const u = usage.get(metric) ?? { metric, series: 0, limit: business.cardinalityLimit, overflowed: 0 };
      return { metric, series: u.series, limit: u.limit, overflowed: u.overflowed };
    }),
    push: {
      enabled: pushEnabled,
      successes: health.successes,
      failures: health.failures,
      consecutiveFailures: health.consecutiveFailures,
      lastSuccess: iso(health.lastSuccessMs),
      lastError: health.lastError ?? null,
      lastErrorAt: iso(health.lastErrorMs),
    },
    durableState: state
      ? {
          enabled: true,
          dir: state.dir,
          journalBytes: state.journalBytes,
          journalRecords: state.journalRecords,
          lastSnapshot: iso(state.lastSnapshotMs),
          lastError: state.lastError ?? null,
        }
      : { enabled: false },
  };
}
