import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnAgent } from '../support/agent-process.ts';
import { makeBatches, postBatch, readTotals, totalsOf } from '../support/crash-harness.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const args = (dir: string) => ['--state.dir', dir, '--host.enabled', 'false'];

describe('one agent per state dir', () => {
  it('a second agent on a held state dir exits 1 with one fatal line naming the dir and the holder; SIGKILL leaves no stale lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-lock-'));
    dirs.push(dir);
    const batches = makeBatches('lock', 3, 5);
    const first = await spawnAgent({ args: args(dir) });
    try {
      for (const b of batches) expect((await postBatch(first.url, b)).status).toBe(202);

      const second = await runCli(['--http.port', '0', ...args(dir)]);
      expect(second.code).toBe(1);
      const lines = second.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      const fatal = lines.filter((l) => l.level === 'fatal');
      expect(fatal, second.stdout + second.stderr).toHaveLength(1);
      expect(lines.some((l) => l.msg === 'durable state restored')).toBe(false);
      const message = String((fatal[0]!.err as { message?: string } | undefined)?.message);
      expect(message).toContain(`state.dir ${dir} is in use by another qb-agent`);
      expect(message).toContain(`pid ${first.child.pid}`);
      // The refused agent touched nothing: the first one still answers and counts.
      expect(await readTotals(first)).toEqual(totalsOf(batches));
    } finally {
      await first.stop('SIGKILL');
    }

    // The kernel dropped the lock with the killed process: a new agent starts at once and restores everything.
    const third = await spawnAgent({ args: args(dir) });
    try {
      expect(await readTotals(third)).toEqual(totalsOf(batches));
    } finally {
      expect(await third.stop()).toBe(0);
    }
    const fourth = await spawnAgent({ args: args(dir) });
    expect(await fourth.stop()).toBe(0);
  });
});
