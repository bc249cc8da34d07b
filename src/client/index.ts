/**
 * quality-billing-agent/client: a dependency-free client for POST /v1/events
 * (docs/client.md). Runs on Node.js 18+ and in browsers (global fetch).
 */
export { QbAgentClient, DeliveryError } from './client.ts';
export type { ClientOptions, ClientStats } from './client.ts';
export { events } from './events.ts';
export type {
  ApiRequestEvent,
  BusinessEvent,
  EventType,
  HttpMethod,
  InvoiceEvent,
  QualityAssessmentEvent,
  UserActivityEvent,
  WorkSessionEvent,
} from './events.ts';
export { backoffDelay, isRetryable, parseRetryAfter } from './retry.ts';
