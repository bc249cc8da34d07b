import type { FastifyPluginAsync } from 'fastify';
import type { CardinalityUsage } from '../business/cardinality.ts';
import { CATALOGUE } from '../business/catalogue.ts';
import { isLoopback } from '../config/load.ts';
import type { ConfigValues } from '../config/schema.ts';
import type { OutcomeListener } from '../ingest/ingestor.ts';
import type { IngestAnswer } from '../ingest/routes/events.ts';
import type { Logger } from '../log.ts';
import type { ExportHealthSnapshot } from '../telemetry/export-health.ts';
import type { DurableStateStats } from '../state/stats.ts';
import { IngestWindow } from './ingest-window.ts';
import { buildStatusReport, type StatusReport } from './report.ts';
import { RejectionLog } from './rejection-log.ts';
import { statusRoutes } from './routes.ts';

export interface StatusDeps {
  readonly config: Readonly<ConfigValues>;
  readonly version: string;
  readonly log: Logger;
  readonly cardinality: () => readonly CardinalityUsage[];
  readonly exportHealth: () => ExportHealthSnapshot;
  /** Durable state's facts, read on every request; undefined shows "durable state: off". */
  readonly durableState?: () => DurableStateStats | undefined;
  readonly now?: () => number;
}

export interface StatusParts {
  readonly window: IngestWindow;
  readonly rejections: RejectionLog;
  /** For the Ingestor: counts each event's outcome into the window. */
  readonly onOutcome: OutcomeListener;
  /** For the events route: counts each answer and keeps the rejected ones. */
  readonly onAnswer: (answer: IngestAnswer) => void;
  readonly report: () => StatusReport;
  readonly routes: FastifyPluginAsync;
}

const LABELLED_METRICS = Object.values(CATALOGUE)
  .filter((spec) => spec.labels.length > 0)
  .map((spec) => spec.name);

/**
 * The operator status page: an in-memory window of ingest traffic, the last
 * rejected requests and the routes that show them. Access: any of
 * ingest.tokens or status.token when one is set; open otherwise (the config
 * check only allows that on loopback or with ingest.allowAnonymous).
 */
export function createStatus(deps: StatusDeps): StatusParts {
  const now = deps.now ?? Date.now;
  const startedAtMs = now();
  const window = new IngestWindow({ now });
  const rejections = new RejectionLog({ now });
  const tokens = [...deps.config.ingest.tokens, deps.config.status.token].filter((t) => t !== '');
  if (tokens.length === 0 && !isLoopback(deps.config.http.host)) {
    deps.log.warn({ host: deps.config.http.host }, 'status page (GET /, /api/status) is open without a token on a non-loopback address; set status.token to protect it');
  }
  const report = () =>
    buildStatusReport({
      version: deps.version,
      startedAtMs,
      config: deps.config,
      window,
      rejections,
      cardinality: deps.cardinality,
      labelledMetrics: LABELLED_METRICS,
      exportHealth: deps.exportHealth,
      durableState: deps.durableState?.(),
      now,
    });
  return {
    window,
    rejections,
    onOutcome: (type, outcome, count) => window.recordEvents(type, outcome, count),
    onAnswer: (answer) => {
      window.recordRequest(answer.status);
      if (answer.status >= 400) rejections.record(answer);
    },
    report,
    routes: statusRoutes({ credentials: { bearerTokens: tokens }, report }),
  };
}
