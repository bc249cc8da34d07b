import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent } from '../support/agent-process.ts';
import { makeBatches, postBatch, readTotals, totalsOf } from '../support/crash-harness.ts';
import { skipReason } from '../support/skip.ts';

/**
 * A real disk failure: the state dir lives on a 1 MiB tmpfs, which we then
 * fill, so the journal's write() fails with ENOSPC. (As root, chmod does not
 * stop writes, and a read-only remount is refused while the journal is open
 * for writing; a full file system is the failure disks actually have.)
 */
const base = mkdtempSync(join(tmpdir(), 'qb-disk-'));
const mnt = join(base, 'mnt');
let mounted = false;

beforeAll(() => {
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
    mounted = true;
  } catch {
    mounted = false;
  }
});

afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', mnt]);
  rmSync(base, { recursive: true, force: true });
});

function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 0x61);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  try {
    for (;;) writeSync(fd, chunk, 0, 1);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe('state dir that becomes unwritable', () => {
  it('answers 503 storage_unavailable, records nothing, and recovers when space returns', async (ctx) => {
    if (!mounted) ctx.skip(skipReason('needs root to mount a tmpfs'));
    const dir = join(mnt, 'state');
    const agent = await spawnAgent({ args: ['--state.dir', dir, '--host.enabled', 'false'] });
    try {
      const [ok, failing] = makeBatches('disk', 2, 30);
      expect((await postBatch(agent.url, ok!)).status).toBe(202);
      const business = async () =>
        (await (await fetch(`${agent.url}/metrics`)).text())
          .split('\n')
          .filter((l) => l.startsWith('quality_billing_'))
          .join('\n');
      const before = await business();

      fill(join(mnt, 'filler'));
      for (let i = 0; i < 3; i++) {
        const res = await postBatch(agent.url, failing!);
        expect(res.status).toBe(503);
        expect((res.body as { error?: string }).error).toBe('storage_unavailable');
      }
      expect(await business()).toBe(before);
      const ready = (await (await fetch(`${agent.url}/readyz`)).json()) as { state: { writable: boolean; writeFailures: number } };
      expect(ready.state).toMatchObject({ writable: false, writeFailures: 3 });
      expect(agent.logs.filter((l) => String(l.msg).startsWith('journal write failed')).length).toBe(1);

      rmSync(join(mnt, 'filler'));
      expect((await postBatch(agent.url, failing!)).body).toEqual({ accepted: 30, duplicates: 0 });
      expect(await readTotals(agent)).toEqual(totalsOf([ok!, failing!]));
      expect(agent.logs.some((l) => l.msg === 'journal writes recovered')).toBe(true);
    } finally {
      await agent.stop('SIGKILL');
    }
    // Nothing of the refused attempts reached the journal: a restart counts each batch once.
    const again = await spawnAgent({ args: ['--state.dir', dir, '--host.enabled', 'false'] });
    try {
      expect(await readTotals(again)).toEqual(totalsOf(makeBatches('disk', 2, 30)));
    } finally {
      await again.stop('SIGKILL');
    }
  });
});
