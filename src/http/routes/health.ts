import type { FastifyInstance } from 'fastify';
import type { DurableStateStats } from '../../state/stats.ts';
import type { Readiness } from '../readiness.ts';

/**
 * /healthz: the process is alive. /readyz: the pipeline is started (durable
 * state restored) and not shutting down; `detail` adds component facts such as
 * the journal size and last snapshot time.
 */
export function healthRoutes(readiness: Readiness, detail?: () => Record<string, unknown>) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const phase = readiness.phase;
      return reply.code(phase === 'ready' ? 200 : 503).send({ status: phase, ...detail?.() });
    });
  };
}

/** The durable state's part of /readyz (docs/reliability.md, Observability). */
export function durableStateReadiness(s: DurableStateStats): Record<string, unknown> {
  return {
    dir: s.dir,
    journalBytes: s.journalBytes,
    journalSegments: s.journalSegments,
    lastSnapshotMs: s.lastSnapshotMs,
    restoreMs: Math.round(s.restoreMs * 10) / 10,
    restoredSnapshotSeq: s.restoredSnapshotSeq,
    replayedRecords: s.replayedRecords,
    writeFailures: s.writeFailures,
    snapshotFailures: s.snapshotFailures,
    writable: s.writable,
  };
}
