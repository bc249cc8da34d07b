import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryError, QbAgentClient, events, type ClientOptions } from '../../src/client/index.ts';
import { startScriptedIngest, type ScriptedIngest } from '../support/scripted-ingest.ts';

const invoice = (n: number) => events.invoice({ amount_cents: n, currency: 'EUR', quality_grade: 'A', billed_hours: 1 });

/**
 * Records every wait the client's retry loop asks for, and lets it pass at
 * once: the waits are then exact numbers to assert, not durations to measure.
 * Only the timers set by the client's backoff sleep are touched (found by the
 * caller's stack frame); fetch's, the server's and the test runner's run as usual.
 */
function recordBackoffWaits(): { readonly waits: number[]; restore(): void } {
  const waits: number[] = [];
  const real = globalThis.setTimeout;
  const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (new Error().stack?.includes('QbAgentClient.#sleep')) {
      waits.push(ms ?? 0);
      return real(callback, 0, ...args);
    }
    return real(callback, ms, ...args);
  }) as typeof setTimeout);
  return { waits, restore: () => spy.mockRestore() };
}

let server: ScriptedIngest;
let client: QbAgentClient | undefined;
let recorder: ReturnType<typeof recordBackoffWaits>;
const errors: DeliveryError[] = [];

beforeEach(async () => {
  server = await startScriptedIngest();
  recorder = recordBackoffWaits();
  errors.length = 0;
});
afterEach(async () => {
  recorder.restore();
  await client?.close({ timeoutMs: 1000 });
  client = undefined;
  await server.close();
});

function make(options: Partial<ClientOptions>): QbAgentClient {
  client = new QbAgentClient({ url: server.url, flushIntervalMs: 60_000, onError: (e) => errors.push(e), ...options });
  return client;
}

describe('backoff cap (maxBackoffMs)', () => {
  it('doubles the ceiling from initialBackoffMs and never waits longer than maxBackoffMs', async () => {
    const c = make({ initialBackoffMs: 100, maxBackoffMs: 1000, maxRetries: 10, random: () => 0.999 });
    server.script(...Array.from({ length: 7 }, () => ({ status: 503 })));
    c.send(invoice(1));
    await c.flush();
    // 0.999 × min(1000, 100 × 2^attempt), floored: 100, 200, 400, 800, then the cap.
    expect(recorder.waits).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(c.stats()).toEqual({ sent: 1, accepted: 1, duplicates: 0, retries: 7, dropped: 0, failed: 0, buffered: 0 });
  });

  it('honours Retry-After up to maxBackoffMs, in seconds and as an HTTP date', async () => {
    const c = make({ initialBackoffMs: 100, maxBackoffMs: 5000, random: () => 0.5 });
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    server.script(
      { status: 503, headers: { 'retry-after': '2' } },
      { status: 429, headers: { 'retry-after': '3600' } },
      { status: 503, headers: { 'retry-after': inAnHour } },
      { status: 503 },
    );
    c.send(invoice(1));
    await c.flush();
    // The fourth wait has no Retry-After: backoff at attempt 3, 0.5 × min(5000, 800).
    expect(recorder.waits).toEqual([2000, 5000, 5000, 400]);
    expect(c.stats()).toMatchObject({ sent: 1, retries: 4, failed: 0 });
  });
});

describe('request timeout (requestTimeoutMs)', () => {
  it('abandons a request that gets no answer and sends it again with the same ids', async () => {
    const c = make({ requestTimeoutMs: 300, initialBackoffMs: 10, random: () => 0.5, idPrefix: 'timeout' });
    server.script({ hold: new Promise<void>(() => {}) });
    c.send(invoice(1));
    void c.flush();
    // Bounded by the poll, not the client: without the timeout the first request would hang for good.
    await expect.poll(() => c.stats().sent, { timeout: 10_000 }).toBe(1);
    expect(server.requests.map((r) => r.events.map((e) => e.id))).toEqual([['timeout-0'], ['timeout-0']]);
    expect(recorder.waits).toEqual([5]);
    expect(c.stats()).toEqual({ sent: 1, accepted: 1, duplicates: 0, retries: 1, dropped: 0, failed: 0, buffered: 0 });
    expect(errors).toEqual([]);
  });

  it('reports the batch as failed, status 0, once every attempt timed out', async () => {
    const c = make({ requestTimeoutMs: 200, maxRetries: 2, initialBackoffMs: 10, random: () => 0.5 });
    const never = new Promise<void>(() => {});
    server.script({ hold: never }, { hold: never }, { hold: never });
    c.send(invoice(1));
    void c.flush();
    await expect.poll(() => c.stats().failed, { timeout: 10_000 }).toBe(1);
    expect(server.requests).toHaveLength(3);
    expect(recorder.waits).toEqual([5, 10]);
    expect(errors.map((e) => [e.status, e.events, e.message])).toEqual([[0, 1, 'request failed: The operation was aborted due to timeout']]);
    expect(c.stats()).toEqual({ sent: 0, accepted: 0, duplicates: 0, retries: 2, dropped: 0, failed: 1, buffered: 0 });
  });
});
