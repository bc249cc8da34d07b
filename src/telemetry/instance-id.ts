import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.ts';

const FILE = 'instance-id';

/**
 * service.instance.id when none is configured. With durable state, a random
 * UUID kept in the state dir: it travels with the counters, so a re-created
 * container (new host name) that restores them keeps pushing the same series
 * instead of starting a second one beside the old. Without durable state,
 * "<host name>:<port>", stable across restarts on one host.
 */
export function resolveInstanceId(options: { configured: string; stateDir: string; port: number; log: Logger; hostName?: string }): string {
  if (options.configured !== '') return options.configured;
  const fallback = `${options.hostName ?? hostname()}:${options.port}`;
  if (options.stateDir === '') return fallback;
  const path = join(options.stateDir, FILE);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing !== '') return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      options.log.warn({ err, path }, `cannot read the instance id; using ${fallback}`);
      return fallback;
    }
  }
  const id = randomUUID();
  try {
    mkdirSync(options.stateDir, { recursive: true });
    writeFileSync(path, `${id}\n`, { flag: 'wx' });
    return id;
  } catch (err) {
    // Another agent raced us to it: theirs wins (and the state-dir lock will stop one of us).
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    options.log.warn({ err, path }, `cannot store an instance id; using ${fallback}`);
    return fallback;
  }
}
