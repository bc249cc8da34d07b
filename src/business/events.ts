import Type, { type Static, type TLiteral } from 'typebox';

/**
 * The event schemas of POST /v1/events: the one definition from which
 * validation (validate.ts), the TypeScript types and docs/api.md are derived.
 * Unknown fields are rejected everywhere: a typo such as `amount_cent` must
 * fail loudly, never be silently ignored on a revenue dashboard.
 */

/** Printable text only: label values end up in Prometheus output and dashboards. */
const PRINTABLE = '^[^\\u0000-\\u001f\\u007f]*$';
const text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, pattern: PRINTABLE, description });

const common = {
  id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Idempotency key: an event whose id was already accepted (within ingest.dedupeWindowSec) is a duplicate and is not counted again; the same id with other content (time aside) is a conflict.',
    }),
  ),
  time: Type.Optional(
    Type.String({ format: 'date-time', description: 'When it happened (RFC 3339). Informational: metrics are recorded at receipt.' }),
  ),
};

const user = text(128, 'Annotator id. Used only for the active-user count, never as a label.');
const taskType = text(64, 'Kind of task, e.g. "labeling".');

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'] as const;

/** One literal per method, typed as a tuple: a plain `.map()` types as an array, whose union Static makes `never`. */
type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K] & string> };
const methodLiterals = HTTP_METHODS.map((m) => Type.Literal(m)) as unknown as Literals<typeof HTTP_METHODS>;

export const EVENT_SCHEMAS = {
  work_session: Type.Object(
    {
      type: Type.Literal('work_session'),
      ...common,
      user,
      task_type: taskType,
      duration_seconds: Type.Number({ minimum: 0, maximum: 86400, description: 'Length of the session in seconds.' }),
      effective_seconds: Type.Number({ minimum: 0, maximum: 86400, description: 'Productive part of the session; at most duration_seconds.' }),
    },
    { additionalProperties: false, description: 'An annotator worked on a task type for a while.' },
  ),
  user_activity: Type.Object(
    {
      type: Type.Literal('user_activity'),
      ...common,
      user,
      state: Type.Union([Type.Literal('active'), Type.Literal('inactive')], { description: '"active" or "inactive".' }),
    },
    { additionalProperties: false, description: 'An annotator became active or inactive.' },
  ),
  quality_assessment: Type.Object(
    {
      type: Type.Literal('quality_assessment'),
      ...common,
      task_type: taskType,
      score: Type.Number({ minimum: 0, maximum: 100, description: 'Quality score, 0 to 100.' }),
      previous_score: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'The previous score of the same work, for improvement tracking.' })),
      user: Type.Optional(user),
    },
    { additionalProperties: false, description: 'A piece of work was assessed for quality.' },
  ),
  invoice: Type.Object(
    {
      type: Type.Literal('invoice'),
      ...common,
      amount_cents: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Amount in minor units (cents), an integer.' }),
      currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. "EUR".' }),
      quality_grade: text(16, 'Quality grade the invoice was billed at, e.g. "A".'),
      billed_hours: Type.Number({ minimum: 0, maximum: 1_000_000, description: 'Hours billed.' }),
    },
    { additionalProperties: false, description: 'An invoice was issued.' },
  ),
  api_request: Type.Object(
    {
      type: Type.Literal('api_request'),
      ...common,
      route: text(128, 'Route template, e.g. "/api/tasks/:id" (never a raw path with ids).'),
      method: Type.Union(methodLiterals, { description: 'HTTP method in upper case.' }),
      status_code: Type.Integer({ minimum: 100, maximum: 599, description: 'HTTP status code.' }),
      duration_seconds: Type.Number({ minimum: 0, maximum: 3600, description: 'Response time in seconds.' }),
    },
    { additionalProperties: false, description: 'The billing platform\'s API served a request.' },
  ),
};

export type EventType = keyof typeof EVENT_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

export type WorkSessionEvent = Static<(typeof EVENT_SCHEMAS)['work_session']>;
export type UserActivityEvent = Static<(typeof EVENT_SCHEMAS)['user_activity']>;
export type QualityAssessmentEvent = Static<(typeof EVENT_SCHEMAS)['quality_assessment']>;
export type InvoiceEvent = Static<(typeof EVENT_SCHEMAS)['invoice']>;
export type ApiRequestEvent = Static<(typeof EVENT_SCHEMAS)['api_request']>;
export type BusinessEvent = WorkSessionEvent | UserActivityEvent | QualityAssessmentEvent | InvoiceEvent | ApiRequestEvent;
