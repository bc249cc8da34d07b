/**
 * The event types of POST /v1/events as plain interfaces, and one builder per
 * type. They are written out here so the client has no runtime dependency and
 * readable types; the checks at the bottom make the build fail when they drift
 * from the server's schema (src/business/events.ts, the one source of truth).
 */
import type * as Server from '../business/events.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'CONNECT' | 'TRACE';

interface Common {
  /** Idempotency key, 1..128 characters. The client assigns one when absent. */
  id?: string;
  /** When it happened, RFC 3339; informational (metrics are recorded at receipt). */
  time?: string;
}

/** An annotator worked on a task type for a while. */
export interface WorkSessionEvent extends Common {
  type: 'work_session';
  user: string;
  task_type: string;
  /** 0..86400 */
  duration_seconds: number;
  /** 0..duration_seconds */
  effective_seconds: number;
}

/** An annotator became active or inactive. */
export interface UserActivityEvent extends Common {
  type: 'user_activity';
  user: string;
  state: 'active' | 'inactive';
}

/** A piece of work was assessed for quality. */
export interface QualityAssessmentEvent extends Common {
  type: 'quality_assessment';
  task_type: string;
  /** 0..100 */
  score: number;
  /** 0..100, the previous score of the same work */
  previous_score?: number;
  user?: string;
}

/** An invoice was issued. */
export interface InvoiceEvent extends Common {
  type: 'invoice';
  /** Integer amount in minor units (cents). */
  amount_cents: number;
  /** ISO 4217, e.g. "EUR". */
  currency: string;
  quality_grade: string;
  billed_hours: number;
}

/** The billing platform's API served a request. */
export interface ApiRequestEvent extends Common {
  type: 'api_request';
  /** A route template such as "/api/tasks/:id", never a raw path. */
  route: string;
  method: HttpMethod;
  status_code: number;
  duration_seconds: number;
}

export type BusinessEvent = WorkSessionEvent | UserActivityEvent | QualityAssessmentEvent | InvoiceEvent | ApiRequestEvent;
export type EventType = BusinessEvent['type'];

/** A builder's input: the event without `type`; `time` may be a Date. */
type Fields<E extends BusinessEvent> = Omit<E, 'type' | 'time'> & { time?: string | Date };

function build<E extends BusinessEvent>(type: E['type'], fields: Fields<BusinessEvent>): E {
  const { time, ...rest } = fields;
  return { type, ...rest, ...(time === undefined ? {} : { time: time instanceof Date ? time.toISOString() : time }) } as E;
}

/** Typed constructors: `events.invoice({ amount_cents: 1250, currency: 'EUR', quality_grade: 'A', billed_hours: 1.5 })`. */
export const events = {
  workSession: (fields: Fields<WorkSessionEvent>): WorkSessionEvent => build('work_session', fields),
  userActivity: (fields: Fields<UserActivityEvent>): UserActivityEvent => build('user_activity', fields),
  qualityAssessment: (fields: Fields<QualityAssessmentEvent>): QualityAssessmentEvent => build('quality_assessment', fields),
  invoice: (fields: Fields<InvoiceEvent>): InvoiceEvent => build('invoice', fields),
  apiRequest: (fields: Fields<ApiRequestEvent>): ApiRequestEvent => build('api_request', fields),
};

// Compile-time proof that these types are exactly the server's (erased from the output).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type SchemaCheck = [
  Assert<Same<WorkSessionEvent, Server.WorkSessionEvent>>,
  Assert<Same<UserActivityEvent, Server.UserActivityEvent>>,
  Assert<Same<QualityAssessmentEvent, Server.QualityAssessmentEvent>>,
  Assert<Same<InvoiceEvent, Server.InvoiceEvent>>,
  Assert<Same<ApiRequestEvent, Server.ApiRequestEvent>>,
  Assert<Same<HttpMethod, (typeof Server.HTTP_METHODS)[number]>>,
  Assert<Same<EventType, Server.EventType>>,
];
