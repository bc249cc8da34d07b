/**
 * When to try again after a failure: 1 s after the first, doubling after each
 * further one, never more than `maxMs`; a success resets it. Times are
 * monotonic milliseconds (performance.now()).
 */
export class Backoff {
  static readonly INITIAL_MS = 1000;
  readonly #maxMs: number;
  #delayMs = 0;
  #notBefore = 0;

  constructor(maxMs: number) {
    this.#maxMs = maxMs;
  }

  /** Whether an attempt may start at `nowMs`. */
  ready(nowMs: number): boolean {
    return nowMs >= this.#notBefore;
  }

  failed(nowMs: number): void {
    this.#delayMs = Math.min(this.#maxMs, this.#delayMs === 0 ? Backoff.INITIAL_MS : this.#delayMs * 2);
    this.#notBefore = nowMs + this.#delayMs;
  }

  succeeded(): void {
    this.#delayMs = 0;
    this.#notBefore = 0;
  }
}
