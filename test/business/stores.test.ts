import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ActiveUsers } from '../../src/business/active-users.ts';
import { CardinalityGuard, OVERFLOW_ATTRIBUTES } from '../../src/business/cardinality.ts';
import { DedupeStore, fingerprint } from '../../src/business/dedupe.ts';
import { createGrader } from '../../src/business/grades.ts';
import { parseGradeThresholds } from '../../src/config/formats.ts';
import { createLogger } from '../../src/log.ts';

describe('DedupeStore', () => {
  it('tells new, duplicate and conflicting ids apart', () => {
    const store = new DedupeStore({ windowMs: 1000, maxIds: 10, now: () => 0 });
    expect(store.check('a', 'x')).toBe('new');
    store.remember('a', 'x');
    expect(store.check('a', 'x')).toBe('duplicate');
    expect(store.check('a', 'y')).toBe('conflict');
  });

  it('forgets ids once their window has passed, oldest first', () => {
    let now = 0;
    const store = new DedupeStore({ windowMs: 1000, maxIds: 10, now: () => now });
    store.remember('a', 'x');
    now = 500;
    store.remember('b', 'x');
    now = 1000;
    expect(store.size).toBe(1);
    expect(store.check('a', 'x')).toBe('new');
    expect(store.check('b', 'x')).toBe('duplicate');
    now = 1500;
    expect(store.size).toBe(0);
  });

  it('keeps at most maxIds, and lists what it keeps in acceptance order for snapshots', () => {
    const store = new DedupeStore({ windowMs: 60_000, maxIds: 3, now: () => 7 });
    for (const id of ['a', 'b', 'c', 'd']) store.remember(id, `fp-${id}`);
    expect(store.copy()).toEqual({ ids: ['b', 'c', 'd'], fingerprints: ['fp-b', 'fp-c', 'fp-d'], times: [7, 7, 7] });
  });

  it('survives many evictions (the time queue compacts)', () => {
    const store = new DedupeStore({ windowMs: 60_000, maxIds: 100, now: () => 1 });
    for (let i = 0; i < 20_000; i++) store.remember(`id-${i}`, 'fp');
    expect(store.size).toBe(100);
    expect(store.check('id-19999', 'fp')).toBe('duplicate');
    expect(store.check('id-19899', 'fp')).toBe('new');
    const kept = store.copy();
    expect([kept.ids[0], kept.fingerprints[0], kept.times[0]]).toEqual(['id-19900', 'fp', 1]);
  });

  it('fingerprints content, not key order, id or time', () => {
    const a = fingerprint({ type: 'invoice', id: '1', amount_cents: 5, currency: 'EUR', time: '2026-01-01T00:00:00Z' });
    const b = fingerprint({ currency: 'EUR', amount_cents: 5, type: 'invoice', id: '2' });
    expect(a).toBe(b);
    expect(fingerprint({ type: 'invoice', amount_cents: 6, currency: 'EUR' })).not.toBe(a);
  });
});

describe('ActiveUsers', () => {
  it('bounds its memory: beyond maxUsers the least recently seen go first', () => {
    const users = new ActiveUsers({ windowMs: 60_000, maxUsers: 2, now: () => 0 });
    users.seen('a');
    users.seen('b');
    users.seen('a');
    users.seen('c'); // evicts b, the least recently seen
    expect(users.count()).toBe(2);
    users.activity('a', 'inactive');
    expect(users.count()).toBe(1);
  });
});

describe('CardinalityGuard', () => {
  it('caches one frozen attributes object per key and overflows past limit - 1 keys', () => {
    const lines: string[] = [];
    const guard = new CardinalityGuard(3, createLogger('warn', new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) })));
    const first = guard.attributes('m', 'a', () => ({ k: 'a' }));
    expect(guard.attributes('m', 'a', () => ({ k: 'other' }))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    guard.attributes('m', 'b', () => ({ k: 'b' }));
    expect(guard.attributes('m', 'c', () => ({ k: 'c' }))).toBe(OVERFLOW_ATTRIBUTES);
    expect(guard.attributes('m', 'd', () => ({ k: 'd' }))).toBe(OVERFLOW_ATTRIBUTES);
    expect(guard.attributes('other', 'c', () => ({ k: 'c' }))).toEqual({ k: 'c' });
    expect(guard.usage()).toEqual([
      { metric: 'm', series: 3, limit: 3, overflowed: 2 },
      { metric: 'other', series: 1, limit: 3, overflowed: 0 },
    ]);
    expect(lines).toHaveLength(1);
  });
});

describe('grades', () => {
  it('maps scores to the first threshold they reach', () => {
    const grade = createGrader(parseGradeThresholds('A:90,B:80,C:70,D:0'));
    expect([100, 90, 89.999, 80, 79, 70, 69.5, 0].map(grade)).toEqual(['A', 'A', 'B', 'B', 'C', 'C', 'D', 'D']);
  });
});
