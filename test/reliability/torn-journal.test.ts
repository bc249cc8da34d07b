import { readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnAgent } from '../support/agent-process.ts';
import { makeBatches, postBatch, readTotals, totalsOf } from '../support/crash-harness.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempState(): string {
  const d = mkdtempSync(join(tmpdir(), 'qb-torn-'));
  dirs.push(d);
  return d;
}

const args = (dir: string) => ['--state.dir', dir, '--host.enabled', 'false'];

function journals(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('journal-')).sort().map((n) => join(dir, n));
}

describe('journal damage', () => {
  it('a torn last record is truncated with a log line and every complete record is kept', async () => {
    const dir = tempState();
    const batches = makeBatches('torn', 5, 9);
    const first = await spawnAgent({ args: args(dir) });
    for (const b of batches) expect((await postBatch(first.url, b)).status).toBe(202);
    await first.stop('SIGKILL');

    const [journal] = journals(dir);
    const size = statSync(journal!).size;
    truncateSync(journal!, size - 5); // cut the last record (one per sequential request) mid-payload

    const second = await spawnAgent({ args: args(dir) });
    try {
      expect(await readTotals(second)).toEqual(totalsOf(batches.slice(0, 4)));
      const line = second.logs.find((l) => String(l.msg).startsWith('journal tail is torn'));
      expect(line, 'one log line names the torn tail').toBeDefined();
      expect(line!.reason).toBe('torn payload');
      // The torn batch was never durable: resending it is accepted, not a duplicate.
      expect((await postBatch(second.url, batches[4]!)).body).toEqual({ accepted: 9, duplicates: 0 });
      expect(await readTotals(second)).toEqual(totalsOf(batches));
    } finally {
      await second.stop('SIGKILL');
    }

    // Garbage after the last record (a header cut short) is dropped too, keeping all five batches.
    appendFileSync(journals(dir).at(-1)!, Buffer.from([0x10, 0x00, 0x00]));
    const third = await spawnAgent({ args: args(dir) });
    try {
      expect(await readTotals(third)).toEqual(totalsOf(batches));
      expect(third.logs.some((l) => l.reason === 'torn header')).toBe(true);
    } finally {
      await third.stop();
    }
  });

  it('snapshots restore exactly across clean restarts, and a damaged newest snapshot falls back to the previous one', async () => {
    const dir = tempState();
    const a = makeBatches('snapA', 4, 9);
    const b = makeBatches('snapB', 3, 9);

    const first = await spawnAgent({ args: args(dir) });
    for (const batch of a) await postBatch(first.url, batch);
    const beforeRestart = await (await fetch(`${first.url}/metrics`)).text();
    expect(await first.stop()).toBe(0); // SIGTERM: final snapshot

    const second = await spawnAgent({ args: args(dir) });
    const business = (t: string) => t.split('\n').filter((l) => l.startsWith('quality_billing_')).join('\n');
    expect(business(await (await fetch(`${second.url}/metrics`)).text())).toBe(business(beforeRestart));
    const ready = (await (await fetch(`${second.url}/readyz`)).json()) as { state: { restoredSnapshotSeq: number; replayedRecords: number } };
    expect(ready.state.restoredSnapshotSeq).toBe(4);
    expect(ready.state.replayedRecords).toBe(0);
    for (const batch of b) await postBatch(second.url, batch);
    expect(await second.stop()).toBe(0);

    const snapshots = readdirSync(dir).filter((n) => n.startsWith('snapshot-')).sort();
    expect(snapshots).toEqual(['snapshot-0000000000000004.snap', 'snapshot-0000000000000007.snap']);
    const newest = join(dir, snapshots[1]!);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(newest, bytes);

    const third = await spawnAgent({ args: args(dir) });
    try {
      expect(await readTotals(third)).toEqual(totalsOf([...a, ...b]));
      expect(third.logs.some((l) => l.msg === 'snapshot is damaged; falling back to the previous one')).toBe(true);
      expect((await postBatch(third.url, b[0]!)).body).toEqual({ accepted: 0, duplicates: 9 });
    } finally {
      await third.stop();
    }
  });
});
