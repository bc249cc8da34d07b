import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** The file whose kernel lock is the state dir's lock. */
export const LOCK_FILE = 'LOCK';
/** Who holds it, for the error message of the agent that is refused (informational only). */
export const OWNER_FILE = 'LOCK.owner';

const SQLITE_BUSY = 5;

/**
 * One agent per state dir. The lock is a POSIX record lock (fcntl) on
 * `<dir>/LOCK`, taken through SQLite's exclusive locking mode (node:sqlite,
 * built into Node): the kernel drops it when the holder dies, SIGKILL
 * included, so there is no stale lock to detect and no pid to trust (a pid in
 * a file can be reused after a crash, or belong to another pid namespace when
 * two containers share a volume; a record lock is tied to the file, so it
 * holds across pid and network namespaces). Node has no flock/fcntl API of its
 * own; a pid file with O_EXCL needs stale detection that is racy and wrong
 * after pid reuse.
 *
 * `LOCK.owner` names the holder (pid, host, start time) so a refused agent can
 * say who holds the dir; it is written after the lock is taken and never
 * decides anything.
 */
export class StateDirLock {
  readonly dir: string;
  #db: DatabaseSync | undefined;

  private constructor(dir: string, db: DatabaseSync) {
    this.dir = dir;
    this.#db = db;
  }

  /** Takes the lock or throws an Error naming the dir (and the holder's pid when it is known). Never waits. */
  static acquire(stateDir: string): StateDirLock {
    const dir = resolve(stateDir);
    let db: DatabaseSync;
    try {
      mkdirSync(dir, { recursive: true });
      db = new DatabaseSync(join(dir, LOCK_FILE), { timeout: 0 });
    } catch (err) {
      throw new Error(`state.dir ${dir}: cannot use it (${describe(err)}); fix its permissions or point state.dir elsewhere`);
    }
    try {
      // An exclusive transaction in exclusive locking mode keeps the write lock until the connection closes.
      db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; BEGIN EXCLUSIVE; COMMIT;');
    } catch (err) {
      db.close();
      if ((err as { errcode?: number }).errcode === SQLITE_BUSY) {
        throw new Error(`state.dir ${dir} is in use by another qb-agent (${holder(dir)}); two agents on one state dir would corrupt it: stop that one or point state.dir elsewhere`);
      }
      throw new Error(`state.dir ${dir}: cannot lock ${LOCK_FILE} (${describe(err)})`);
    }
    try {
      writeFileSync(join(dir, OWNER_FILE), `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`);
    } catch {
      // Informational only: the lock is held whether or not the owner note could be written.
    }
    return new StateDirLock(dir, db);
  }

  /** Releases the lock. Idempotent. */
  release(): void {
    const db = this.#db;
    if (!db) return;
    this.#db = undefined;
    // Remove the owner note while still holding the lock, so it never names a later holder's dir as ours.
    rmSync(join(this.dir, OWNER_FILE), { force: true });
    db.close();
  }
}

function holder(dir: string): string {
  try {
    const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as { pid?: unknown; host?: unknown };
    return `pid ${String(owner.pid)} on ${String(owner.host)}`;
  } catch {
    return 'holder unknown: it has not written LOCK.owner yet';
  }
}

function describe(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
