/**
 * The public surface of quality-billing-agent, named export by export (no
 * `export *`): embedding the agent in a process, its configuration, the ingest
 * API's schemas and error codes, and the status report. The client for
 * services that send events has its own entry point,
 * `quality-billing-agent/client` (src/client/index.ts), free of dependencies.
 */
export { Agent } from './agent.ts';
export type { AgentDeps } from './agent.ts';

export { ConfigError, loadConfig, redactConfig } from './config/load.ts';
export type { LoadedConfig, LoadOptions, ValueSource } from './config/load.ts';
export { SCHEMA, listSettings } from './config/schema.ts';
export type { ConfigValues, SettingEntry, SettingSpec } from './config/schema.ts';

export { createLogger } from './log.ts';
export type { Logger } from './log.ts';

export { ApiError, ERRORS } from './errors.ts';
export type { ErrorBody, ErrorCode } from './errors.ts';

export { EVENT_SCHEMAS, EVENT_TYPES, HTTP_METHODS } from './business/events.ts';
export type {
  ApiRequestEvent,
  BusinessEvent,
  EventType,
  InvoiceEvent,
  QualityAssessmentEvent,
  UserActivityEvent,
  WorkSessionEvent,
} from './business/events.ts';
export { CATALOGUE } from './business/catalogue.ts';
export type { MetricKind, MetricSpec } from './business/catalogue.ts';

export type { StatusReport } from './status/report.ts';
export type { DurableStateStats } from './state/stats.ts';

export { readPackageVersion } from './version.ts';
