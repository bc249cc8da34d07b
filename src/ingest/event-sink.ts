import type { BodyFormat } from './parse-body.ts';
import type { IngestResult } from './ingestor.ts';

/** The request body the events were parsed from: the durable sink journals it as it is, instead of serializing the events again. */
export interface BatchSource {
  readonly body: string;
  readonly format: BodyFormat;
}

/** Where the events route hands a parsed batch: the Ingestor itself, or the durable sink in front of it (durable-sink.ts). */
export interface EventSink {
  ingest(raw: readonly unknown[], source: BatchSource): IngestResult | Promise<IngestResult>;
}
