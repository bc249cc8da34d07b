import { postBatch, type Batch } from './crash-harness.ts';

export interface EventStream {
  /** Batches the agent acknowledged (202) so far. */
  readonly acked: readonly Batch[];
  /** Stops sending, waits for the batch in flight, and returns every acknowledged batch. */
  stop(): Promise<readonly Batch[]>;
}

/**
 * A client posting `batches` to an agent one after the other, one every `everyMs`
 * at most, until the batches run out or stop() is called: events keep arriving
 * while a test restarts or cuts what is downstream of the agent. A batch the agent
 * does not acknowledge fails the stream (the agent must never refuse here).
 */
export function startEventStream(agentUrl: () => string, batches: readonly Batch[], everyMs: number): EventStream {
  const acked: Batch[] = [];
  let stopped = false;
  let failure: unknown;
  const done = (async () => {
    for (const batch of batches) {
      if (stopped) return;
      const started = Date.now();
      try {
        const res = await postBatch(agentUrl(), batch);
        if (res.status !== 202) throw new Error(`batch ${batch.id}: ${res.status} ${JSON.stringify(res.body)}`);
        acked.push(batch);
      } catch (err) {
        failure = err;
        return;
      }
      // Pacing, not waiting for a state: the stream's rate.
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - started))));
    }
  })();
  return {
    acked,
    async stop() {
      stopped = true;
      await done;
      if (failure) throw failure;
      return acked;
    },
  };
}
