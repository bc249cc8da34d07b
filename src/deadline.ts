/** What a promise did within a deadline. */
export type WithinDeadline<T> = { readonly settled: true; readonly value: T } | { readonly settled: false };

/**
 * Waits for `promise` at most `ms` milliseconds. It is not cancelled at the
 * deadline, only no longer awaited; the timer never keeps the process alive.
 */
export async function withinDeadline<T>(promise: Promise<T>, ms: number): Promise<WithinDeadline<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<WithinDeadline<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then((value): WithinDeadline<T> => ({ settled: true, value })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
