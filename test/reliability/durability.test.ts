import { constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanFrames } from '../../src/state/frame.ts';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { HOLD_JOURNAL_WRITES_ENV, JOURNAL_WRITE_HELD, JOURNAL_WRITE_RETURNED } from '../support/journal-hold.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';
import { EVERY_TYPE_BATCH, eventually, postEvents } from '../support/workload.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'qb-durability-'));
  dirs.push(d);
  return d;
}

const SEGMENT = /\/journal-\d{16}\.wal$/;

interface Descriptor {
  readonly fd: number;
  readonly path: string;
  /** The open flags as the kernel holds them (the `flags:` line of /proc/<pid>/fdinfo/<fd>, octal). */
  readonly flags: number;
}

/** The journal segments a process has open, as the kernel sees them. */
function journalDescriptors(pid: number): Descriptor[] {
  const found: Descriptor[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let path: string;
    try {
      path = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed since the listing
    }
    if (!SEGMENT.test(path)) continue;
    const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
    if (flags === undefined) throw new Error(`no flags line in /proc/${pid}/fdinfo/${fd}`);
    found.push({ fd: Number(fd), path, flags: parseInt(flags, 8) });
  }
  return found;
}

/** Asserts the one open segment is in `dir` and opened write-only with O_DSYNC. */
function expectSynchronousSegment(pid: number, dir: string, segment: string): void {
  const open = journalDescriptors(pid);
  expect(open.map((d) => d.path)).toEqual([join(dir, segment)]);
  const { flags } = open[0]!;
  expect(flags & constants.O_DSYNC, `flags ${flags.toString(8)} lack O_DSYNC`).toBe(constants.O_DSYNC);
  expect(flags & 0o3, `flags ${flags.toString(8)} are not write-only`).toBe(constants.O_WRONLY);
}

/** Runs `check` against an agent on `dir` (no host metrics), then stops it, which must exit 0. */
async function withAgent(dir: string, check: (agent: AgentProcess) => unknown): Promise<void> {
  const agent = await spawnAgent({ args: ['--host.enabled', 'false', '--state.dir', dir] });
  try {
    await check(agent);
  } finally {
    expect(await agent.stop()).toBe(0);
  }
}

const invoices = async (url: string) => {
  const samples = parseExposition(await (await fetch(`${url}/metrics`)).text());
  return samples.some((s) => s.name === 'quality_billing_invoices_total') ? valueOf(samples, 'quality_billing_invoices_total', { currency: 'EUR', quality_grade: 'A' }) : 0;
};

describe.runIf(process.platform === 'linux')('durability before the 202', () => {
  it('knows the flag it checks: O_DSYNC is 010000 on x86-64 Linux', () => {
    if (process.arch === 'x64') expect(constants.O_DSYNC).toBe(0o10000);
    expect(constants.O_DSYNC).toBeGreaterThan(0);
  });

  it('opens a new journal segment for synchronous writes (O_DSYNC), before and after it is written', async () => {
    const dir = stateDir();
    await withAgent(dir, async (agent) => {
      expectSynchronousSegment(agent.child.pid!, dir, 'journal-0000000000000001.wal');
      expect((await postEvents(agent.url, EVERY_TYPE_BATCH)).status).toBe(202);
      expectSynchronousSegment(agent.child.pid!, dir, 'journal-0000000000000001.wal');
    });
    // A restart opens the next segment after the written one, the same way.
    await withAgent(dir, (agent) => expectSynchronousSegment(agent.child.pid!, dir, 'journal-0000000000000002.wal'));
  });

  it('reopens an empty last segment, left by a start without writes, for synchronous writes too', async () => {
    const dir = stateDir();
    await withAgent(dir, () => undefined);
    await withAgent(dir, (agent) => expectSynchronousSegment(agent.child.pid!, dir, 'journal-0000000000000001.wal'));
  });

  /**
   * How: the real agent process, with a preloaded hook (test/support/hold-journal-writes.ts)
   * that holds the journal's writev, and only it, until the test sends SIGUSR2. No
   * source seam, no fake file system: the agent's code and its other I/O run as in
   * production, and the write, once released, is the real O_DSYNC write checked above,
   * so "returned" means "durable" by the kernel's contract. Slowing a real disk
   * (dm-delay, FUSE) is not possible here, and a full disk tests the failure path
   * (disk-failure.test.ts), not the order of a success.
   */
  it('answers 202 only after the journal write returned, and records nothing before', async () => {
    const dir = stateDir();
    const agent = await spawnAgent({ args: ['--host.enabled', 'false', '--state.dir', dir], env: HOLD_JOURNAL_WRITES_ENV });
    const segment = join(dir, 'journal-0000000000000001.wal');
    try {
      let answer: Awaited<ReturnType<typeof postEvents>> | undefined;
      const posting = postEvents(agent.url, EVERY_TYPE_BATCH).then((a) => (answer = a));
      await eventually(async () => (agent.stderr().includes(JOURNAL_WRITE_HELD) ? true : undefined), 10_000, 'the journal write to be held');

      // The agent keeps serving while the write is held; three full round trips later, the batch is still unanswered.
      for (let i = 0; i < 3; i++) expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
      expect(answer).toBeUndefined();
      expect(await invoices(agent.url)).toBe(0);
      expect(readFileSync(segment).length).toBe(0);
      expect(agent.stderr()).not.toContain(JOURNAL_WRITE_RETURNED);

      agent.child.kill('SIGUSR2');
      expect(await posting).toEqual({ status: 202, body: { accepted: EVERY_TYPE_BATCH.length, duplicates: 0 } });
      await eventually(async () => (agent.stderr().includes(JOURNAL_WRITE_RETURNED) ? true : undefined), 10_000, 'the hook to report the write');
      const scan = scanFrames(readFileSync(segment));
      expect({ records: scan.payloads.length, stopReason: scan.stopReason }).toEqual({ records: 1, stopReason: undefined });
      expect(await invoices(agent.url)).toBe(1);
    } finally {
      agent.child.kill('SIGUSR2'); // never leave a write held behind a stop
      expect(await agent.stop()).toBe(0);
    }
  });
});
