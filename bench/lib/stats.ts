/** Median of the values (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Runs `fn` n times and returns the median of each numeric field. */
export async function medianOf<T extends Record<string, number>>(n: number, fn: (run: number) => Promise<T> | T): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < n; i++) runs.push(await fn(i));
  const out: Record<string, number> = {};
  for (const key of Object.keys(runs[0] ?? {})) out[key] = median(runs.map((r) => r[key]!));
  return out as T;
}
