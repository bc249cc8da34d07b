/**
 * Preloaded into a real agent process (NODE_OPTIONS=--import=<this file>) by
 * test/reliability/durability.test.ts. It holds every write to a journal
 * segment (an fd whose path is journal-<n>.wal) until the process gets
 * SIGUSR2, then performs it with the real fs.writev. Every other write, and
 * the agent's own code, run untouched. It reports on stderr, which the test
 * reads, so the test knows when a write is being held.
 *
 * `import { writev } from 'node:fs'` in the journal is a live binding to the
 * builtin's exports; syncBuiltinESMExports() makes it see this wrapper.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { JOURNAL_WRITE_HELD, JOURNAL_WRITE_RETURNED } from './journal-hold.ts';

const SEGMENT = /\/journal-\d{16}\.wal$/;

const realWritev = fs.writev;
const held: Array<() => void> = [];

process.on('SIGUSR2', () => {
  for (const go of held.splice(0)) go();
});

function isJournal(fd: number): boolean {
  try {
    return SEGMENT.test(fs.readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return false;
  }
}

type WritevCallback = (err: NodeJS.ErrnoException | null, bytesWritten: number, buffers: NodeJS.ArrayBufferView[]) => void;

fs.writev = function holdJournalWrites(fd: number, buffers: NodeJS.ArrayBufferView[], ...rest: unknown[]): void {
  const callback = rest.pop() as WritevCallback;
  const position = (rest[0] as number | null | undefined) ?? null;
  if (!isJournal(fd)) {
    realWritev(fd, buffers, position, callback);
    return;
  }
  process.stderr.write(`${JOURNAL_WRITE_HELD}\n`);
  held.push(() =>
    realWritev(fd, buffers, position, (err, written, bufs) => {
      process.stderr.write(`${JOURNAL_WRITE_RETURNED}\n`);
      callback(err, written, bufs);
    }),
  );
} as typeof fs.writev;
syncBuiltinESMExports();
