/**
 * The business clock. Normally the wall clock (or a test's fake one); while a
 * journal record is applied it reads the record's acceptance time, so the
 * active-user window and dedupe ages come out the same whether a record is
 * applied live or replayed after a restart.
 */
export class EventClock {
  readonly #base: () => number;
  #override: number | undefined;

  constructor(base: () => number) {
    this.#base = base;
  }

  readonly now = (): number => this.#override ?? this.#base();

  /** The base clock, ignoring any record being applied. */
  wallNow(): number {
    return this.#base();
  }

  run<T>(atMs: number, fn: () => T): T {
    const previous = this.#override;
    this.#override = atMs;
    try {
      return fn();
    } finally {
      this.#override = previous;
    }
  }
}
