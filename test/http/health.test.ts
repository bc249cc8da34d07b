import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { Readiness } from '../../src/http/readiness.ts';
import { healthRoutes } from '../../src/http/routes/health.ts';
import { createLogger } from '../../src/log.ts';
import { createTestAgent } from '../support/in-process-agent.ts';

const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

describe('health and readiness', () => {
  it('/readyz follows the lifecycle: starting 503, ready 200, stopping 503; /healthz is always 200', async () => {
    const readiness = new Readiness();
    const app = buildApp({ log: silent, routes: [healthRoutes(readiness, () => ({ state: { journalBytes: 42 } }))] });
    const readyz = async () => {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      return [res.statusCode, res.json()];
    };
    expect(await readyz()).toEqual([503, { status: 'starting', state: { journalBytes: 42 } }]);
    readiness.markReady();
    expect(await readyz()).toEqual([200, { status: 'ready', state: { journalBytes: 42 } }]);
    readiness.markStopping();
    expect(await readyz()).toEqual([503, { status: 'stopping', state: { journalBytes: 42 } }]);
    readiness.markReady(); // a late markReady cannot undo stopping
    expect((await readyz())[0]).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    await app.close();
  });

  it('/readyz shows the durable state\'s facts, exactly these keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-readyz-'));
    const t = createTestAgent(['--state.dir', dir]);
    try {
      t.agent.restoreState();
      expect((await t.post([{ type: 'user_activity', id: 'u-1', user: 'u', state: 'active' }])).status).toBe(202);
      const res = await t.agent.app.inject({ method: 'GET', url: '/readyz' });
      const body = res.json() as { status: string; state: Record<string, unknown> };
      expect(res.statusCode).toBe(503); // inject() never calls start(): the agent is still "starting"
      expect(Object.keys(body.state)).toEqual(['dir', 'journalBytes', 'journalSegments', 'lastSnapshotMs', 'restoreMs', 'restoredSnapshotSeq', 'replayedRecords', 'writeFailures', 'snapshotFailures', 'writable']);
      expect(body).toEqual({
        status: 'starting',
        state: { dir, journalBytes: expect.any(Number), journalSegments: 1, lastSnapshotMs: 0, restoreMs: expect.any(Number), restoredSnapshotSeq: 0, replayedRecords: 0, writeFailures: 0, snapshotFailures: 0, writable: true },
      });
      expect(body.state.journalBytes).toBe(t.agent.state!.stats().journalBytes);
      expect(body.state.journalBytes).toBeGreaterThan(0);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
