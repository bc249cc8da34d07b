import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError, QbAgentClient, backoffDelay, events, parseRetryAfter, type ClientOptions } from '../../src/client/index.ts';
import { startScriptedIngest, type ScriptedIngest } from '../support/scripted-ingest.ts';

const invoice = (n: number) => events.invoice({ amount_cents: n, currency: 'EUR', quality_grade: 'A', billed_hours: 1 });

let server: ScriptedIngest;
let client: QbAgentClient | undefined;
const errors: DeliveryError[] = [];

beforeEach(async () => {
  server = await startScriptedIngest();
  errors.length = 0;
});
afterEach(async () => {
  await client?.close({ timeoutMs: 1000 });
  client = undefined;
  await server.close();
});

function make(options: Partial<ClientOptions> = {}): QbAgentClient {
  client = new QbAgentClient({ url: server.url, flushIntervalMs: 60_000, initialBackoffMs: 10, random: () => 0.5, onError: (e) => errors.push(e), ...options });
  return client;
}

describe('batching', () => {
  it('sends full batches at once and the rest on flush()', async () => {
    const c = make({ maxBatchEvents: 3 });
    for (let i = 0; i < 7; i++) expect(c.send(invoice(i))).toBe(true);
    await expect.poll(() => server.requests.length).toBe(2);
    await c.flush();
    expect(server.requests.map((r) => r.events.map((e) => e.amount_cents))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(c.stats()).toEqual({ sent: 7, accepted: 7, duplicates: 0, retries: 0, dropped: 0, failed: 0, buffered: 0 });
  });

  it('sends a partial batch after flushIntervalMs without flush()', async () => {
    const c = make({ flushIntervalMs: 50 });
    const t0 = Date.now();
    c.send(invoice(1));
    await expect.poll(() => server.requests.length, { timeout: 2000 }).toBe(1);
    expect(server.requests[0]!.atMs - t0).toBeGreaterThanOrEqual(45);
    expect(server.requests[0]!.headers['content-type']).toBe('application/x-ndjson');
  });

  it('splits by maxBatchBytes', async () => {
    const size = JSON.stringify({ ...invoice(100), id: `${'x'.repeat(36)}-0` }).length + 1;
    const c = make({ maxBatchBytes: size * 2 + 1, idPrefix: 'x'.repeat(36) });
    for (let i = 100; i < 105; i++) c.send(invoice(i));
    await c.flush();
    expect(server.requests.map((r) => r.events.length)).toEqual([2, 2, 1]);
  });

  it('gzips a batch whose body is above compressAboveBytes, and only such a batch', async () => {
    const c = make({ maxBatchEvents: 100, compressAboveBytes: 4096 });
    for (let i = 0; i < 10; i++) c.send(invoice(i)); // about 1.5 KB
    await c.flush();
    for (let i = 0; i < 100; i++) c.send(invoice(i)); // about 15 KB
    await c.flush();
    const [small, large] = server.requests;
    expect(small!.headers['content-encoding']).toBeUndefined();
    expect(large!.headers['content-encoding']).toBe('gzip');
    expect(large!.events.map((e) => e.amount_cents)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(large!.wireBytes).toBeLessThan(small!.wireBytes * 3); // 10 times the events, a fraction of the bytes
    expect(c.stats()).toMatchObject({ sent: 110, failed: 0 });
  });

  it('compresses by default above 16 KiB; 0 compresses everything, Infinity nothing', async () => {
    const c = make({ maxBatchEvents: 1000 });
    for (let i = 0; i < 80; i++) c.send(invoice(i)); // about 12 KB
    await c.flush();
    for (let i = 0; i < 200; i++) c.send(invoice(i)); // about 30 KB
    await c.flush();
    const all = make({ compressAboveBytes: 0 });
    all.send(invoice(1));
    await all.flush();
    const none = make({ compressAboveBytes: Infinity, maxBatchEvents: 1000 });
    for (let i = 0; i < 200; i++) none.send(invoice(i));
    await none.flush();
    expect(server.requests.map((r) => r.headers['content-encoding'])).toEqual([undefined, 'gzip', 'gzip', undefined]);
    await c.close();
    await all.close();
  });

  it('sends the very same compressed bytes on a retry', async () => {
    server.script({ status: 503 });
    const c = make({ compressAboveBytes: 0 });
    c.send(invoice(7));
    await c.flush();
    const [first, retry] = server.requests.map((r) => [r.headers['content-encoding'], r.wireBytes, JSON.stringify(r.events)]);
    expect(server.requests).toHaveLength(2);
    expect(first![0]).toBe('gzip');
    expect(retry).toEqual(first);
  });

  it('sends the token as a bearer header', async () => {
    const c = make({ token: 's3cret' });
    c.send(invoice(1));
    await c.flush();
    expect(server.requests[0]!.headers.authorization).toBe('Bearer s3cret');
  });
});

describe('idempotency ids', () => {
  it('assigns <prefix>-<n> when absent, keeps the caller\'s, and resends the same ids on retry', async () => {
    const c = make({ idPrefix: 'svc-a' });
    server.script({ status: 503 }, { destroy: true });
    c.send(invoice(1));
    c.send({ ...invoice(2), id: 'mine-7' });
    c.send(invoice(3));
    await c.flush();
    expect(server.requests).toHaveLength(3);
    const ids = server.requests.map((r) => r.events.map((e) => e.id));
    expect(ids).toEqual([
      ['svc-a-0', 'mine-7', 'svc-a-1'],
      ['svc-a-0', 'mine-7', 'svc-a-1'],
      ['svc-a-0', 'mine-7', 'svc-a-1'],
    ]);
    expect(c.stats()).toMatchObject({ sent: 3, retries: 2, failed: 0 });
  });

  it('freezes the event at send(): mutating it afterwards changes nothing sent', async () => {
    const c = make();
    const e = invoice(5);
    c.send(e);
    e.amount_cents = 999;
    await c.flush();
    expect(server.requests[0]!.events[0]!.amount_cents).toBe(5);
  });

  it('defaults to a random UUID prefix', async () => {
    const c = make({ idPrefix: undefined });
    c.send(invoice(1));
    await c.flush();
    expect(server.requests[0]!.events[0]!.id).toMatch(/^[0-9a-f-]{36}-0$/);
  });
});

describe('retries', () => {
  it('retries 429, 500, 502, 503, 504, 408 and dropped connections, counting each retry', async () => {
    const c = make();
    server.script({ status: 429 }, { status: 500 }, { status: 502 }, { status: 503 }, { status: 504 }, { status: 408 }, { destroy: true });
    c.send(invoice(1));
    await c.flush();
    expect(server.requests).toHaveLength(8);
    expect(c.stats()).toEqual({ sent: 1, accepted: 1, duplicates: 0, retries: 7, dropped: 0, failed: 0, buffered: 0 });
    expect(errors).toEqual([]);
  });

  it('honours Retry-After in seconds', async () => {
    const c = make();
    server.script({ status: 503, headers: { 'retry-after': '1' } });
    c.send(invoice(1));
    await c.flush();
    expect(server.requests[1]!.atMs - server.requests[0]!.atMs).toBeGreaterThanOrEqual(950);
  });

  it('backs off exponentially with full jitter: random() × min(max, initial × 2^attempt)', async () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 100, 1000, () => 0.5))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0);
    expect(backoffDelay(3, 100, 1000, () => 0.999)).toBe(799);
    const c = make({ initialBackoffMs: 200, random: () => 0.999 });
    server.script({ status: 503 }, { status: 503 });
    c.send(invoice(1));
    await c.flush();
    const [a, b, d] = server.requests.map((r) => r.atMs);
    expect(b! - a!).toBeGreaterThanOrEqual(190); // ~199 ms
    expect(d! - b!).toBeGreaterThanOrEqual(390); // ~399 ms
  });

  it('gives up after maxRetries and reports the batch as failed', async () => {
    const c = make({ maxRetries: 2 });
    server.script({ status: 503 }, { status: 503 }, { status: 503 });
    c.send(invoice(1));
    c.send(invoice(2));
    await c.flush();
    expect(server.requests).toHaveLength(3);
    expect(c.stats()).toMatchObject({ sent: 0, retries: 2, failed: 2 });
    expect(errors.map((e) => [e.status, e.events])).toEqual([[503, 2]]);
  });

  it.each([
    [400, 'invalid_events'],
    [401, 'unauthorized'],
    [409, 'id_conflict'],
    [413, 'too_many_events'],
    [415, 'unsupported_media_type'],
  ])('does not retry %i and reports it with the agent\'s code', async (status, code) => {
    const c = make();
    const details = [{ index: 0, path: '/currency', message: 'must be an ISO 4217 code of three capital letters' }];
    server.script({ status, body: { error: code, message: 'nope', details } });
    c.send(invoice(1));
    await c.flush();
    c.send(invoice(2));
    await c.flush();
    expect(server.requests).toHaveLength(2);
    expect(c.stats()).toEqual({ sent: 1, accepted: 1, duplicates: 0, retries: 0, dropped: 0, failed: 1, buffered: 0 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status, code, events: 1, details, message: `HTTP ${status} ${code}: nope` });
  });
});

describe('bounded buffer', () => {
  it('refuses events beyond maxBufferedEvents (in flight included) and counts them as dropped', async () => {
    let release!: () => void;
    const c = make({ maxBufferedEvents: 3, maxBatchEvents: 2 });
    server.script({ hold: new Promise<void>((r) => (release = r)) });
    expect([1, 2, 3, 4].map((n) => c.send(invoice(n)))).toEqual([true, true, true, false]);
    await expect.poll(() => server.requests.length).toBe(1);
    expect(c.stats()).toMatchObject({ buffered: 3, dropped: 1 });
    release();
    await c.flush();
    expect(c.send(invoice(5))).toBe(true);
    await c.flush();
    expect(c.stats()).toEqual({ sent: 4, accepted: 4, duplicates: 0, retries: 0, dropped: 1, failed: 0, buffered: 0 });
  });
});

describe('close()', () => {
  it('delivers what is buffered, then refuses new events', async () => {
    const c = make();
    c.send(invoice(1));
    c.send(invoice(2));
    await c.close();
    expect(server.requests.map((r) => r.events.length)).toEqual([2]);
    expect(c.send(invoice(3))).toBe(false);
    expect(c.stats()).toEqual({ sent: 2, accepted: 2, duplicates: 0, retries: 0, dropped: 1, failed: 0, buffered: 0 });
    await c.close(); // idempotent
  });

  it('gives up at its deadline: in flight counts as failed, queued as dropped', async () => {
    const c = make({ maxBatchEvents: 2 });
    server.script({ hold: new Promise<void>(() => {}) });
    for (let i = 0; i < 5; i++) c.send(invoice(i));
    const t0 = Date.now();
    await c.close({ timeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(c.stats()).toEqual({ sent: 0, accepted: 0, duplicates: 0, retries: 0, dropped: 3, failed: 2, buffered: 0 });
    expect(errors.map((e) => [e.status, e.events])).toEqual([[0, 2]]);
  });

  it('interrupts a long Retry-After wait at its deadline', async () => {
    const c = make();
    server.script({ status: 429, headers: { 'retry-after': '30' } });
    c.send(invoice(1));
    void c.flush();
    await expect.poll(() => server.requests.length).toBe(1);
    const t0 = Date.now();
    await c.close({ timeoutMs: 200 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(c.stats()).toMatchObject({ failed: 1, sent: 0 });
  });
});

describe('construction and misuse', () => {
  it('rejects bad options at construction', () => {
    expect(() => new QbAgentClient({ url: 'localhost:9464' })).toThrow('url must be http or https, got localhost:');
    expect(() => new QbAgentClient({ url: 'not a url' })).toThrow('url must be an absolute http(s) URL, got "not a url"');
    expect(() => new QbAgentClient({ url: 'http://x', maxBatchEvents: 0 })).toThrow('maxBatchEvents must be a positive integer, got 0');
    expect(() => new QbAgentClient({ url: 'http://x', maxRetries: -1 })).toThrow('maxRetries must be an integer >= 0, got -1');
    expect(() => new QbAgentClient({ url: 'http://x', compressAboveBytes: -1 })).toThrow('compressAboveBytes must be an integer >= 0 or Infinity, got -1');
  });

  it('throws for a non-event, a programming error', () => {
    const c = make();
    expect(() => c.send(null as never)).toThrow('send() takes an event object with a type');
  });

  it('posts to <url>/v1/events, also under a path prefix', async () => {
    const c = make({ url: `${server.url}/` });
    c.send(invoice(1));
    await c.flush();
    expect(server.requests).toHaveLength(1);
  });
});

describe('builders and Retry-After parsing', () => {
  it('build events with their type, and convert a Date time to RFC 3339', () => {
    expect(events.workSession({ user: 'u', task_type: 't', duration_seconds: 10, effective_seconds: 5, time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) })).toEqual({
      type: 'work_session', user: 'u', task_type: 't', duration_seconds: 10, effective_seconds: 5, time: '2026-01-02T03:04:05.000Z',
    });
    expect(events.userActivity({ user: 'u', state: 'inactive' })).toEqual({ type: 'user_activity', user: 'u', state: 'inactive' });
    expect(events.qualityAssessment({ task_type: 't', score: 91, previous_score: 80 })).toEqual({ type: 'quality_assessment', task_type: 't', score: 91, previous_score: 80 });
    expect(events.apiRequest({ route: '/api/tasks/:id', method: 'GET', status_code: 200, duration_seconds: 0.02, id: 'r1' })).toEqual({
      type: 'api_request', route: '/api/tasks/:id', method: 'GET', status_code: 200, duration_seconds: 0.02, id: 'r1',
    });
  });

  it('parses delay-seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
