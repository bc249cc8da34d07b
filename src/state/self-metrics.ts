import type { Meter } from '@opentelemetry/api';
import type { DurableStateStats } from './stats.ts';

/**
 * The durable state's own metrics, read from its stats at each collection.
 * The meter is injected (as Prometheus' storage takes a Registerer): the
 * store itself stays free of any telemetry.
 */
export function registerStateMetrics(meter: Meter, stats: () => DurableStateStats): void {
  const journalBytes = meter.createObservableGauge('qb_agent_state_journal_bytes', { description: 'Bytes of journal on disk (state.dir), compacted by each snapshot.', unit: 'By' });
  const lastSnapshot = meter.createObservableGauge('qb_agent_state_last_snapshot_timestamp_seconds', { description: 'Unix time of the last state snapshot written or restored; 0 before any.', unit: 's' });
  const restoreDuration = meter.createObservableGauge('qb_agent_state_restore_duration_seconds', { description: 'Time the last start took to restore the snapshot and replay the journal.', unit: 's' });
  const writeFailures = meter.createObservableCounter('qb_agent_state_write_failures', { description: 'Journal writes or syncs that failed; their requests were answered 503 and nothing was recorded.', unit: '{write}' });
  const snapshotFailures = meter.createObservableCounter('qb_agent_state_snapshot_failures', { description: 'Snapshots that could not be written; the journal keeps everything until one succeeds.', unit: '{snapshot}' });
  // One read of the stats per collection feeds every instrument.
  meter.addBatchObservableCallback(
    (r) => {
      const s = stats();
      r.observe(journalBytes, s.journalBytes);
      r.observe(lastSnapshot, s.lastSnapshotMs / 1000);
      r.observe(restoreDuration, s.restoreMs / 1000);
      r.observe(writeFailures, s.writeFailures);
      r.observe(snapshotFailures, s.snapshotFailures);
    },
    [journalBytes, lastSnapshot, restoreDuration, writeFailures, snapshotFailures],
  );
}
