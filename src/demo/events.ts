/**
 * The events the demo sends, shaped exactly as the public ingest API
 * (POST /v1/events, docs/api.md) expects them. The demo is an ordinary client:
 * it depends on the wire contract, not on the agent's internal schemas.
 */
interface EventBase {
  /** Unique per run, so a retried batch is deduplicated instead of double-counted. */
  readonly id: string;
  /** RFC 3339; informational only (the agent records at receipt). */
  readonly time: string;
}

export interface WorkSessionEvent extends EventBase {
  readonly type: 'work_session';
  readonly user: string;
  readonly task_type: string;
  readonly duration_seconds: number;
  readonly effective_seconds: number;
}

export interface UserActivityEvent extends EventBase {
  readonly type: 'user_activity';
  readonly user: string;
  readonly state: 'active' | 'inactive';
}

export interface QualityAssessmentEvent extends EventBase {
  readonly type: 'quality_assessment';
  readonly task_type: string;
  readonly score: number;
  readonly previous_score?: number;
  readonly user?: string;
}

export interface InvoiceEvent extends EventBase {
  readonly type: 'invoice';
  readonly amount_cents: number;
  readonly currency: string;
  readonly quality_grade: string;
  readonly billed_hours: number;
}

export interface ApiRequestEvent extends EventBase {
  readonly type: 'api_request';
  readonly route: string;
  readonly method: string;
  readonly status_code: number;
  readonly duration_seconds: number;
}

export type DemoEvent = WorkSessionEvent | UserActivityEvent | QualityAssessmentEvent | InvoiceEvent | ApiRequestEvent;

export type EventType = DemoEvent['type'];

/** Every event type, in the order summaries list them. */
export const EVENT_TYPES = ['work_session', 'user_activity', 'quality_assessment', 'invoice', 'api_request'] as const satisfies readonly EventType[];
