import { describe, expect, it } from 'vitest';
import { IngestWindow } from '../../src/status/ingest-window.ts';
import { RejectionLog } from '../../src/status/rejection-log.ts';

describe('IngestWindow', () => {
  it('counts into 10 s buckets and reuses a slot once its bucket left the window', () => {
    let now = 1_000_000_005;
    const w = new IngestWindow({ bucketMs: 10, buckets: 3, now: () => now });
    w.recordEvents('invoice', 'accepted', 2);
    w.recordRequest(202);
    now += 10;
    w.recordEvents('invoice', 'rejected', 1);
    w.recordRequest(400);
    expect(w.snapshot().buckets.map((b) => b.requests)).toEqual([{}, { 202: 1 }, { 400: 1 }]);
    now += 20; // the first bucket's slot is reused; the second is now the oldest
    w.recordRequest(202);
    const s = w.snapshot();
    expect(s.buckets.map((b) => b.startMs)).toEqual([1_000_000_010, 1_000_000_020, 1_000_000_030]);
    expect(s.buckets.map((b) => b.requests)).toEqual([{ 400: 1 }, {}, { 202: 1 }]);
    expect(s.totals).toEqual({ events: { invoice: { accepted: 0, duplicate: 0, rejected: 1 } }, requests: { 202: 1, 400: 1 } });
    now += 1000;
    expect(w.snapshot().totals).toEqual({ events: {}, requests: {} });
  });

  it('refuses a nonsensical shape at construction', () => {
    expect(() => new IngestWindow({ buckets: 0 })).toThrow('buckets must be a positive integer, got 0');
    expect(() => new IngestWindow({ bucketMs: 1.5 })).toThrow('bucketMs must be a positive integer, got 1.5');
  });
});

describe('RejectionLog', () => {
  const answer = (i: number) => ({ client: `10.0.0.${i}`, status: 400, response: JSON.stringify({ error: 'malformed_body', message: `m${i}` }), body: `b${i}` });

  it('keeps the newest 50, newest first, and counts all', () => {
    const log = new RejectionLog({ now: () => 7 });
    for (let i = 0; i < 60; i++) log.record(answer(i));
    const recent = log.recent();
    expect(log.total).toBe(60);
    expect(recent).toHaveLength(50);
    expect(recent[0]).toEqual({ timeMs: 7, client: '10.0.0.59', status: 400, error: 'malformed_body', message: 'm59', details: [], detailsTotal: 0, payload: 'b59', payloadTruncated: false });
    expect(recent.at(-1)!.client).toBe('10.0.0.10');
  });

  it('keeps the first five details and says how many there were', () => {
    const log = new RejectionLog();
    const details = Array.from({ length: 8 }, (_, i) => ({ index: i, path: '/score', message: 'must be <= 100' }));
    log.record({ client: 'c', status: 400, response: JSON.stringify({ error: 'invalid_events', message: 'x', details }), body: undefined });
    const [r] = log.recent();
    expect(r!.details).toHaveLength(5);
    expect(r!.detailsTotal).toBe(8);
    expect(r!.payload).toBeNull();
  });
});
