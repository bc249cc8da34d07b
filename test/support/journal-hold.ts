import { fileURLToPath } from 'node:url';

/** What hold-journal-writes.ts writes on the agent's stderr. */
export const JOURNAL_WRITE_HELD = 'qb-test: journal write held';
export const JOURNAL_WRITE_RETURNED = 'qb-test: journal write returned';

/**
 * Environment that preloads hold-journal-writes.ts into a spawned agent: its
 * journal writes then wait for SIGUSR2.
 */
export const HOLD_JOURNAL_WRITES_ENV = {
  NODE_OPTIONS: `--import=${fileURLToPath(new URL('./hold-journal-writes.ts', import.meta.url))}`,
} as const;
