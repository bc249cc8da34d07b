import { describe, expect, it } from 'vitest';
import { parseGradeThresholds } from '../../src/config/formats.ts';
import { EventGenerator } from '../../src/demo/generator.ts';
import { runDemo } from '../../src/demo/run.ts';
import { createScenario } from '../../src/demo/scenario.ts';
import { Sender } from '../../src/demo/sender.ts';
import { Tally } from '../../src/demo/tally.ts';

const silent = { update() {}, done() {} };

/** A fake agent: answers 202 (or what `answer` says) and counts the events it saw. */
function fakeAgent(answer?: (batchNo: number) => Response | undefined) {
  const seen: unknown[] = [];
  let batchNo = 0;
  const fetchStub = (async (_url: string | URL | Request, init?: RequestInit) => {
    // The client library's NDJSON, one event per line.
    const events = new TextDecoder().decode(init?.body as Uint8Array).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
    const special = answer?.(batchNo++);
    if (special) return special;
    seen.push(...events);
    return new Response(JSON.stringify({ accepted: events.length, duplicates: 0 }), { status: 202 });
  }) as typeof fetch;
  return { seen, sender: new Sender({ target: 'http://fake', token: undefined, fetch: fetchStub }) };
}

function setup(rate: number) {
  return {
    generator: new EventGenerator({ seed: 5, runId: 'r', rate, startMs: 0, scenario: createScenario('normal') }),
    tally: new Tally({ gradeThresholds: parseGradeThresholds('A:90,B:80,C:70,D:0'), activeUserWindowSec: 300 }),
  };
}

describe('runDemo', () => {
  it('sends exactly round(rate x duration) events, in generation order, paced over the duration', async () => {
    const { generator, tally } = setup(200);
    const agent = fakeAgent();
    const result = await runDemo({
      generator, sender: agent.sender, tally, progress: silent, rate: 200, durationSec: 0.6, batchSize: 500, tickMs: 50,
      stop: new AbortController().signal, abort: new AbortController().signal,
    });
    expect(result).toMatchObject({ confirmed: 120, accepted: 120, duplicates: 0, unconfirmed: 0, complete: true, error: undefined });
    expect(result.batches).toBeGreaterThan(3);
    expect(result.elapsedSec).toBeGreaterThanOrEqual(0.6);
    expect(agent.seen.map((e) => (e as { id: string }).id)).toEqual(Array.from({ length: 120 }, (_, i) => `r-${i}`));
    expect(Object.values(tally.counts).reduce((a, b) => a + b, 0)).toBe(120);
  });

  it('stops on request after the batch in flight, with everything sent confirmed', async () => {
    const { generator, tally } = setup(500);
    const stop = new AbortController();
    // The stop arrives while the fourth batch is in flight: it is still confirmed, no fifth one is sent.
    const agent = fakeAgent((batchNo) => {
      if (batchNo === 3) stop.abort();
      return undefined;
    });
    const result = await runDemo({
      generator, sender: agent.sender, tally, progress: silent, rate: 500, durationSec: 0, batchSize: 500, tickMs: 20,
      stop: stop.signal, abort: new AbortController().signal,
    });
    expect(result.complete).toBe(false);
    expect(result.error).toBeUndefined();
    expect(result.batches).toBe(4);
    expect(result.confirmed).toBeGreaterThan(0);
    expect(result.confirmed).toBe(agent.seen.length);
    expect(Object.values(tally.counts).reduce((a, b) => a + b, 0)).toBe(result.confirmed);
  });

  it('ends on a refused batch without counting it', async () => {
    const { generator, tally } = setup(200);
    const agent = fakeAgent((n) => (n === 2 ? new Response('{"error":"unauthorized","message":"bad token"}', { status: 401 }) : undefined));
    const result = await runDemo({
      generator, sender: agent.sender, tally, progress: silent, rate: 200, durationSec: 2, batchSize: 500, tickMs: 50,
      stop: new AbortController().signal, abort: new AbortController().signal,
    });
    expect(result.complete).toBe(false);
    expect(result.batches).toBe(2);
    expect(result.unconfirmed).toBe(0);
    expect(result.error).toMatch(/^http:\/\/fake\/v1\/events answered HTTP 401 unauthorized: bad token/);
    expect(result.confirmed).toBe(agent.seen.length);
    expect(Object.values(tally.counts).reduce((a, b) => a + b, 0)).toBe(agent.seen.length);
  });
});
