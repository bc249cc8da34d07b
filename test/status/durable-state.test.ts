import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/status/report.ts';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';

const session = (id: string) => ({ type: 'work_session', id, user: 'u1', task_type: 'labeling', duration_seconds: 60, effective_seconds: 50 });

describe('GET /api/status with durable state on', () => {
  let agent: AgentProcess;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qb-status-state-'));
    agent = await spawnAgent({ env: { QB_AGENT_STATE_DIR: dir, QB_AGENT_HOST_METRICS: 'false' } });
  });
  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the state directory, the journal growing with accepted batches, and no snapshot yet', async () => {
    const get = async () => (await (await fetch(`${agent.url}/api/status`)).json()) as StatusReport;
    const before = await get();
    expect(before.paths.durableState).toEqual({ enabled: true });
    for (const ids of [['a', 'b'], ['c']]) {
      const res = await fetch(`${agent.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: ids.map(session) }) });
      expect(res.status).toBe(202);
    }
    const after = await get();
    const journalOnDisk = readdirSync(dir).filter((f) => f.startsWith('journal-')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(after.durableState).toEqual({
      enabled: true,
      dir,
      journalBytes: journalOnDisk,
      journalRecords: (before.durableState as { journalRecords: number }).journalRecords + 2,
      lastSnapshot: null,
      lastError: null,
    });
  });
});
