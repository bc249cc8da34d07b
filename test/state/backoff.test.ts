import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/state/backoff.ts';

describe('Backoff', () => {
  it('waits 1 s after a failure, doubling up to the cap, and resets on success', () => {
    const b = new Backoff(5000);
    expect(b.ready(0)).toBe(true);
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      b.failed(now);
      let t = now;
      while (!b.ready(t)) t += 250;
      waits.push(t - now);
      now = t;
    }
    expect(waits).toEqual([1000, 2000, 4000, 5000, 5000]);
    b.succeeded();
    expect(b.ready(now)).toBe(true);
    b.failed(now);
    expect(b.ready(now + 999)).toBe(false);
    expect(b.ready(now + 1000)).toBe(true);
  });
});
