/**
 * Pull exactness at shutdown. Events accepted after the last scrape would
 * never reach Prometheus if the agent stopped at once: their 202 was sent, yet
 * the counters Prometheus keeps (and carries forward once the agent is gone)
 * would miss them. So at shutdown the agent first stops taking events, then
 * keeps /metrics served until one scrape has collected after the last accepted
 * event, within a bound of three scrape intervals.
 *
 * The scrape interval is not configured anywhere the agent can see: it is
 * taken from the gap between the last two scrapes. An agent nobody scrapes
 * (push only, or the scraper gone) does not wait.
 */
export class ScrapeDrain {
  readonly #now: () => number;
  /** When the latest accepted batch was recorded in the instruments. */
  #lastRecordedAt = Number.NEGATIVE_INFINITY;
  /** Start times of the last two collections that were served. */
  #lastServedStart = Number.NEGATIVE_INFINITY;
  #previousServedStart = Number.NEGATIVE_INFINITY;
  #waiters: Array<() => void> = [];

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** After a batch was accepted and recorded. */
  recorded(): void {
    this.#lastRecordedAt = this.#now();
  }

  /** When a collection starts: pass the result to served() once its exposition is ready to send. */
  collectionStarted(): number {
    return this.#now();
  }

  served(startedAt: number): void {
    if (startedAt <= this.#lastServedStart) return;
    this.#previousServedStart = this.#lastServedStart;
    this.#lastServedStart = startedAt;
    if (startedAt > this.#lastRecordedAt) for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Milliseconds between the last two scrapes, or undefined before two were served. */
  scrapeIntervalMs(): number | undefined {
    const gap = this.#lastServedStart - this.#previousServedStart;
    return Number.isFinite(gap) ? gap : undefined;
  }

  /**
   * How long shutdown should wait for a scrape: 0 when nothing accepted is
   * unscraped or nobody scrapes the agent (no scrape in the last three
   * intervals); otherwise three intervals: the next scrape, even when one is
   * just missed or the scraper is late under load.
   */
  waitNeededMs(): number {
    const interval = this.scrapeIntervalMs();
    if (interval === undefined || this.#lastServedStart > this.#lastRecordedAt) return 0;
    if (this.#now() - this.#lastServedStart > 3 * interval) return 0;
    return 3 * interval;
  }

  /** Resolves true once a scrape that started after the last accepted event was served, false after `maxMs`. */
  async drained(maxMs: number): Promise<boolean> {
    if (this.#lastServedStart > this.#lastRecordedAt) return true;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    const scraped = new Promise<true>((resolve) => {
      wake = () => resolve(true);
      this.#waiters.push(wake);
    });
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, maxMs));
    });
    try {
      return await Promise.race([scraped, timedOut]);
    } finally {
      clearTimeout(timer);
      this.#waiters = this.#waiters.filter((w) => w !== wake);
    }
  }
}
