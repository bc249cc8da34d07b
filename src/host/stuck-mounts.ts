import type { StatsFs } from 'node:fs';
import { withinDeadline } from '../deadline.ts';

export type StatfsFn = (path: string) => Promise<StatsFs>;

/**
 * statfs() with a deadline, and no second call on a mount whose first call has
 * not come back. A hung NFS or CIFS server makes statfs block in a libuv worker
 * thread for as long as it likes; without this, every scrape would park one
 * more of libuv's four threads on the same mount until file I/O (the journal
 * included) starves. Like node_exporter's stuck-mount tracking, a mount is
 * skipped until its pending call returns, then measured again.
 */
export class StuckMountGuard {
  readonly #statfs: StatfsFn;
  readonly #timeoutMs: number;
  readonly #onChange: (mountpoint: string, stuck: boolean) => void;
  readonly #stuck = new Set<string>();

  constructor(options: { statfs: StatfsFn; timeoutMs: number; onChange?: (mountpoint: string, stuck: boolean) => void }) {
    this.#statfs = options.statfs;
    this.#timeoutMs = options.timeoutMs;
    this.#onChange = options.onChange ?? (() => {});
  }

  /** The mount's statistics, or undefined when it failed, timed out or is still stuck. */
  async statfs(path: string): Promise<StatsFs | undefined> {
    if (this.#stuck.has(path)) return undefined;
    const call = this.#statfs(path).then(
      (s) => s,
      () => undefined, // unmounted meanwhile or not permitted: skip this mount, keep the rest
    );
    const outcome = await withinDeadline(call, this.#timeoutMs);
    if (outcome.settled) return outcome.value;
    this.#stuck.add(path);
    this.#onChange(path, true);
    void call.then(() => {
      this.#stuck.delete(path);
      this.#onChange(path, false);
    });
    return undefined;
  }

  get stuck(): readonly string[] {
    return [...this.#stuck];
  }
}
