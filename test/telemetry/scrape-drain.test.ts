import { describe, expect, it } from 'vitest';
import { ScrapeDrain } from '../../src/telemetry/scrape-drain.ts';

/** A drain on a hand-moved clock (milliseconds). */
function drainAt() {
  let now = 0;
  const drain = new ScrapeDrain(() => now);
  const scrapeAt = (t: number) => {
    now = t;
    drain.served(drain.collectionStarted());
  };
  return { drain, scrapeAt, setNow: (t: number) => (now = t) };
}

describe('ScrapeDrain', () => {
  it('waits for nothing before it has seen two scrapes (nobody scrapes this agent, or not yet)', () => {
    const { drain, scrapeAt, setNow } = drainAt();
    setNow(5);
    drain.recorded();
    expect(drain.waitNeededMs()).toBe(0);
    scrapeAt(10);
    drain.recorded();
    expect(drain.waitNeededMs()).toBe(0);
  });

  it('waits three scrape intervals when events were accepted after the last scrape', () => {
    const { drain, scrapeAt, setNow } = drainAt();
    scrapeAt(1000);
    scrapeAt(16_000);
    expect(drain.scrapeIntervalMs()).toBe(15_000);
    expect(drain.waitNeededMs()).toBe(0);
    setNow(17_000);
    drain.recorded();
    expect(drain.waitNeededMs()).toBe(45_000);
    scrapeAt(31_000);
    expect(drain.waitNeededMs()).toBe(0);
  });

  it('does not wait when the scraper went away (no scrape for three intervals)', () => {
    const { drain, scrapeAt, setNow } = drainAt();
    scrapeAt(0);
    scrapeAt(1000);
    setNow(5000);
    drain.recorded();
    expect(drain.waitNeededMs()).toBe(0);
  });

  it('drained() resolves true at the first scrape that started after the last accepted event', async () => {
    const { drain, scrapeAt, setNow } = drainAt();
    scrapeAt(0);
    scrapeAt(1000);
    setNow(1500);
    drain.recorded();
    let settled = false;
    const waiting = drain.drained(60_000).finally(() => (settled = true));
    // A collection that started before the event does not count.
    drain.served(1400);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    scrapeAt(2000);
    expect(await waiting).toBe(true);
  });

  it('drained() resolves false when no scrape comes within the bound', async () => {
    const { drain, scrapeAt, setNow } = drainAt();
    scrapeAt(0);
    scrapeAt(1000);
    setNow(1500);
    drain.recorded();
    expect(await drain.drained(20)).toBe(false);
  });
});
