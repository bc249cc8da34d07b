/**
 * Who counts as active: a user with any event in the last `windowMs`, unless
 * their latest user_activity said "inactive". Memory is bounded: entries leave
 * when their window expires, and beyond `maxUsers` the least recently seen go
 * first.
 */
export class ActiveUsers {
  /** user → last seen (ms) and whether their latest user_activity was inactive; Map order = least recently seen first. */
  readonly #users = new Map<string, { seenMs: number; inactive: boolean }>();
  readonly #windowMs: number;
  readonly #maxUsers: number;
  readonly #now: () => number;

  constructor(options: { windowMs: number; maxUsers?: number; now?: () => number }) {
    this.#windowMs = options.windowMs;
    this.#maxUsers = options.maxUsers ?? 1_000_000;
    this.#now = options.now ?? Date.now;
  }

  /** Any event carrying a user. */
  seen(user: string): void {
    const previous = this.#users.get(user);
    this.#touch(user, previous?.inactive ?? false);
  }

  /** A user_activity event. */
  activity(user: string, state: 'active' | 'inactive'): void {
    this.#touch(user, state === 'inactive');
  }

  /** Every tracked user, least recently seen first, as parallel arrays taken in one synchronous step (for snapshots). */
  copy(): { users: string[]; seenMs: number[]; inactive: boolean[] } {
    const users: string[] = [];
    const seenMs: number[] = [];
    const inactive: boolean[] = [];
    for (const [user, e] of this.#users) {
      users.push(user);
      seenMs.push(e.seenMs);
      inactive.push(e.inactive);
    }
    return { users, seenMs, inactive };
  }

  /** Re-adds a snapshot entry (call in entries() order). */
  restore(user: string, seenMs: number, inactive: boolean): void {
    this.#users.delete(user);
    this.#users.set(user, { seenMs, inactive });
  }

  count(): number {
    this.#expire();
    let active = 0;
    for (const entry of this.#users.values()) if (!entry.inactive) active++;
    return active;
  }

  #touch(user: string, inactive: boolean): void {
    this.#users.delete(user);
    this.#users.set(user, { seenMs: this.#now(), inactive });
    if (this.#users.size > this.#maxUsers) {
      const oldest = this.#users.keys().next().value as string;
      this.#users.delete(oldest);
    }
  }

  #expire(): void {
    const cutoff = this.#now() - this.#windowMs;
    for (const [user, entry] of this.#users) {
      if (entry.seenMs > cutoff) break;
      this.#users.delete(user);
    }
  }
}
