export type Phase = 'starting' | 'ready' | 'stopping';

/** The agent's lifecycle phase as /readyz reports it. */
export class Readiness {
  #phase: Phase = 'starting';

  get phase(): Phase {
    return this.#phase;
  }

  markReady(): void {
    if (this.#phase === 'starting') this.#phase = 'ready';
  }

  markStopping(): void {
    this.#phase = 'stopping';
  }
}
