import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';

/** Numbers of the files in `dir` whose name matches `pattern` (its first group is the number), ascending. */
export function numberedFiles(dir: string, pattern: RegExp): number[] {
  return readdirSync(dir)
    .map((name) => pattern.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** fsync of a directory makes file creations, renames and deletions in it durable. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
