import { describe, expect, it } from 'vitest';
import type { BusinessEvent as DemoEvent } from '../../src/client/index.ts';
import { SendError, Sender } from '../../src/demo/sender.ts';

const EVENTS: DemoEvent[] = [
  { id: 'r-0', time: '2026-11-24T12:00:00Z', type: 'user_activity', user: 'u', state: 'active' },
  { id: 'r-1', time: '2026-11-24T12:00:00Z', type: 'invoice', amount_cents: 1, currency: 'EUR', quality_grade: 'A', billed_hours: 1 },
];

interface Call {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly atMs: number;
}

/** The request body as text: the client sends bytes (the same bytes on every retry, gzip or not). */
const bodyText = (body: RequestInit['body']): string => (typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array));

/** A fetch that answers from a script and records each request. */
function scripted(answers: Array<Response | Error>) {
  const calls: Call[] = [];
  const fetchStub = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), headers: init?.headers as Record<string, string>, body: bodyText(init?.body), atMs: performance.now() });
    const next = answers.shift();
    if (!next) throw new Error('no more scripted answers');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { calls, fetchStub };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function sender(answers: Array<Response | Error>, token?: string, maxAttempts = 5) {
  const { calls, fetchStub } = scripted(answers);
  const s = new Sender({ target: 'http://agent:9464/', token, fetch: fetchStub, random: () => 0.5, maxAttempts });
  /** Milliseconds between consecutive requests: the waits before each retry. */
  const gaps = () => calls.slice(1).map((c, i) => c.atMs - calls[i]!.atMs);
  return { s, calls, gaps };
}

/** The batch as the client library sends it: NDJSON, one event per line. */
const ndjson = (events: readonly unknown[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;

describe('Sender', () => {
  it('posts the batch with the client library, NDJSON with the bearer token, to /v1/events', async () => {
    const { s, calls } = sender([json(202, { accepted: 2, duplicates: 0 })], 'sekret');
    expect(await s.send(EVENTS)).toEqual({ accepted: 2, duplicates: 0, retries: 0 });
    expect(calls.map(({ atMs: _at, ...c }) => c)).toEqual([
      {
        url: 'http://agent:9464/v1/events',
        headers: { 'content-type': 'application/x-ndjson', authorization: 'Bearer sekret' },
        body: ndjson(EVENTS),
      },
    ]);
  });

  it('retries what the client retries (429, 408, 503, network errors) with the same body, honouring Retry-After', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const { s, calls, gaps } = sender([
      json(429, { error: 'overloaded', message: 'busy' }, { 'retry-after': '1' }),
      json(408, {}),
      json(503, { error: 'not_ready', message: 'starting' }),
      refused,
      json(202, { accepted: 1, duplicates: 1 }),
    ]);
    expect(await s.send(EVENTS)).toEqual({ accepted: 1, duplicates: 1, retries: 4 });
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    // Retry-After 1 s, then full jitter at random() = 0.5 of 250 × 2^attempt ms: 250, 500, 1000 (timers never fire early, give or take a millisecond).
    const [afterRetryAfter, ...backoffs] = gaps();
    expect(afterRetryAfter).toBeGreaterThanOrEqual(995);
    expect(backoffs.map((g, i) => g >= [250, 500, 1000][i]! - 5)).toEqual([true, true, true]);
  });

  it('gives up after maxAttempts naming the last problem', async () => {
    const { s, calls } = sender([json(503, {}), json(503, {}), json(503, {}), json(500, { error: 'internal', message: 'boom' })], undefined, 4);
    await expect(s.send(EVENTS)).rejects.toThrow('http://agent:9464/v1/events: giving up after 4 attempts; last: HTTP 500 internal: boom');
    expect(calls).toHaveLength(4);
  });

  it('does not retry a refused batch and says what to do about a 401', async () => {
    const { s, calls } = sender([json(401, { error: 'unauthorized', message: 'missing bearer token' })]);
    const err = await s.send(EVENTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError).status).toBe(401);
    expect((err as SendError).message).toBe(
      'http://agent:9464/v1/events answered HTTP 401 unauthorized: missing bearer token (the agent wants a bearer token: pass --token (or QB_DEMO_TOKEN) with one of its QB_AGENT_INGEST_TOKENS)',
    );
    expect(calls).toHaveLength(1);
  });

  it('rejects a 202 whose counts do not add up to the batch', async () => {
    const { s } = sender([json(202, { accepted: 1, duplicates: 0 })]);
    await expect(s.send(EVENTS)).rejects.toThrow('202 with an unexpected body for 2 events: {"accepted":1,"duplicates":0}');
  });
});
