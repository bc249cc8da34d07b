/** A snapshot of a run, for progress lines. */
export interface ProgressSnapshot {
  readonly elapsedSec: number;
  /** Planned duration; 0 = until stopped. */
  readonly durationSec: number;
  readonly sent: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly retries: number;
}

export interface ProgressSink {
  update(snapshot: ProgressSnapshot): void;
  /** Ends the progress display (a TTY line gets its newline). */
  done(snapshot: ProgressSnapshot): void;
}

export interface ProgressOptions {
  readonly write: (text: string) => void;
  /** A terminal: redraw one line in place. Otherwise: a plain line every intervalSec. */
  readonly tty: boolean;
  readonly label: string;
  readonly intervalSec?: number;
  readonly now?: () => number;
}

export function formatProgress(label: string, s: ProgressSnapshot): string {
  const of = s.durationSec > 0 ? `/${s.durationSec}s` : 's';
  const rate = s.elapsedSec > 0 ? (s.sent / s.elapsedSec).toFixed(1) : '0.0';
  return `demo ${label} ${s.elapsedSec.toFixed(1)}${of}  sent ${s.sent} (${rate}/s)  accepted ${s.accepted}  duplicates ${s.duplicates}  retries ${s.retries}`;
}

/**
 * Progress on stderr: on a terminal, one line redrawn in place (at most ~10
 * times a second); in logs (compose, CI), a plain line every intervalSec so the
 * output stays readable.
 */
export function createProgress(options: ProgressOptions): ProgressSink {
  const now = options.now ?? Date.now;
  const intervalMs = (options.intervalSec ?? 5) * 1000;
  let lastMs = -Infinity;
  return {
    update(snapshot) {
      const t = now();
      if (options.tty) {
        if (t - lastMs < 100) return;
        lastMs = t;
        options.write(`\r\x1b[2K${formatProgress(options.label, snapshot)}`);
        return;
      }
      if (t - lastMs < intervalMs) return;
      lastMs = t;
      options.write(`${formatProgress(options.label, snapshot)}\n`);
    },
    done(snapshot) {
      if (options.tty) options.write(`\r\x1b[2K${formatProgress(options.label, snapshot)}\n`);
      else options.write(`${formatProgress(options.label, snapshot)}\n`);
    },
  };
}
