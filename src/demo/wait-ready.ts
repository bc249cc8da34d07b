import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls the agent's /readyz until it answers 200, so `docker compose up` can
 * start the demo together with the agent. Resolves with the last problem seen
 * when the agent is still not ready after `waitSec`, undefined when ready.
 */
export async function waitForReady(target: string, waitSec: number, signal: AbortSignal): Promise<string | undefined> {
  const url = `${target.replace(/\/+$/, '')}/readyz`;
  const deadline = Date.now() + waitSec * 1000;
  let problem = 'not tried';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) });
      await res.body?.cancel();
      if (res.status === 200) return undefined;
      problem = `${url} answered ${res.status}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      problem = `${url}: ${cause?.code ?? (err as Error).message}`;
    }
    if (signal.aborted || Date.now() >= deadline) return problem;
    try {
      await sleep(500, undefined, { signal });
    } catch {
      return problem;
    }
  }
}
