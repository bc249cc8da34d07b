import { ApiError } from '../errors.ts';
import type { EventSink } from './event-sink.ts';

export interface SinkGate {
  /** True once shutdown began: batches are refused from then on. */
  readonly stopping: () => boolean;
  /** Told after every batch that recorded at least one event (the scrape drain waits for the scrape after the last one). */
  readonly onAccepted: () => void;
}

/**
 * The sink the ingest route uses: refuses events once shutdown began (503
 * not_ready, which clients retry elsewhere or later) and reports every batch
 * that recorded something.
 */
export function gatedSink(sink: EventSink, gate: SinkGate): EventSink {
  return {
    ingest: async (raw, source) => {
      if (gate.stopping()) throw new ApiError('not_ready', 'the agent is shutting down; retry shortly');
      const result = await sink.ingest(raw, source);
      if (result.accepted > 0) gate.onAccepted();
      return result;
    },
  };
}
