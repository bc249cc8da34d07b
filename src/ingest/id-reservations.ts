/**
 * Event ids accepted by a request whose journal write is still in flight.
 * A request carrying one of them waits for that write to finish and is then
 * checked again: it becomes a duplicate if the write succeeded, or is
 * accepted if it failed. So two requests with the same id can never both be
 * counted, and a retry racing its original is never answered "duplicate" for
 * an event that then fails to be written.
 */
export class IdReservations {
  readonly #reserved = new Map<string, Promise<void>>();

  /**
   * Undefined when no event of `raw` carries a reserved id (the common case
   * costs no tick); else resolves once none does, waiting again if another
   * request reserved one meanwhile.
   */
  settled(raw: readonly unknown[]): Promise<void> | undefined {
    if (this.#reserved.size === 0) return undefined;
    const waits: Array<Promise<void>> = [];
    for (const e of raw) {
      const id = (e as { id?: unknown } | null)?.id;
      if (typeof id === 'string') {
        const w = this.#reserved.get(id);
        if (w) waits.push(w);
      }
    }
    if (waits.length === 0) return undefined;
    return Promise.all(waits).then(() => this.settled(raw));
  }

  /** Reserves `ids` until the returned release is called (exactly once). */
  reserve(ids: readonly string[]): () => void {
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    for (const id of ids) this.#reserved.set(id, settled);
    return () => {
      for (const id of ids) this.#reserved.delete(id);
      settle();
    };
  }
}
