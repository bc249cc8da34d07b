import type { HttpMethod } from '../client/index.ts';

/**
 * The simulated annotation platform behind the demo: what kinds of tasks
 * annotators do, which API routes the platform serves, how invoices are priced.
 * Plain data; generator.ts draws from it. Every label value here is a bounded
 * enumeration (never a user id), as the agent's cardinality rules expect.
 */

export interface TaskTypeSpec {
  readonly name: string;
  /** Share of work sessions and assessments. */
  readonly weight: number;
  /** Median session length in seconds. */
  readonly medianSessionSec: number;
  /** Mean quality score the task type drifts around. */
  readonly baseQuality: number;
  /** Period of the slow quality drift, in simulated seconds. */
  readonly driftPeriodSec: number;
}

export const TASK_TYPES: readonly TaskTypeSpec[] = [
  { name: 'image_classification', weight: 30, medianSessionSec: 1200, baseQuality: 89, driftPeriodSec: 900 },
  { name: 'bounding_box', weight: 25, medianSessionSec: 2400, baseQuality: 84, driftPeriodSec: 1300 },
  { name: 'text_annotation', weight: 20, medianSessionSec: 1800, baseQuality: 86, driftPeriodSec: 700 },
  { name: 'audio_transcription', weight: 15, medianSessionSec: 3000, baseQuality: 81, driftPeriodSec: 1100 },
  { name: 'sentiment_labeling', weight: 10, medianSessionSec: 900, baseQuality: 91, driftPeriodSec: 500 },
];

export interface RouteSpec {
  readonly route: string;
  readonly method: HttpMethod;
  readonly weight: number;
  /** Median response time in seconds. */
  readonly medianSec: number;
  /** Status of a successful answer. */
  readonly okStatus: number;
}

export const ROUTES: readonly RouteSpec[] = [
  { route: '/api/tasks', method: 'GET', weight: 22, medianSec: 0.045, okStatus: 200 },
  { route: '/api/tasks/:id', method: 'GET', weight: 25, medianSec: 0.02, okStatus: 200 },
  { route: '/api/tasks/:id/annotations', method: 'POST', weight: 20, medianSec: 0.09, okStatus: 201 },
  { route: '/api/projects/:id', method: 'GET', weight: 8, medianSec: 0.03, okStatus: 200 },
  { route: '/api/assessments', method: 'POST', weight: 10, medianSec: 0.12, okStatus: 201 },
  { route: '/api/invoices', method: 'POST', weight: 3, medianSec: 0.25, okStatus: 201 },
  { route: '/api/invoices/:id', method: 'GET', weight: 5, medianSec: 0.04, okStatus: 200 },
  { route: '/api/reports/quality', method: 'GET', weight: 7, medianSec: 0.6, okStatus: 200 },
];

/** Client errors a healthy API still answers now and then. */
export const CLIENT_ERRORS: readonly (readonly [number, number])[] = [
  [400, 3],
  [401, 1],
  [404, 4],
  [409, 1],
  [422, 2],
];

/** Server errors, with their weights. */
export const SERVER_ERRORS: readonly (readonly [number, number])[] = [
  [500, 5],
  [502, 2],
  [503, 3],
  [504, 2],
];

/** Currencies invoiced, with their share and the value of one EUR cent in them. */
export const CURRENCIES: readonly (readonly [string, number, number])[] = [
  ['EUR', 50, 1],
  ['USD', 35, 1.08],
  ['GBP', 15, 0.85],
];

/** Invoice quality grades (the default business.gradeThresholds grades) and the hourly rate in EUR cents. */
export const GRADE_RATES: Readonly<Record<string, number>> = { A: 4800, B: 4000, C: 3300, D: 2500 };

/** Annotators in the simulated workforce. */
export const WORKFORCE_SIZE = 40;

/** Share of the workforce the simulation keeps online. */
export const TARGET_ONLINE_SHARE = 0.65;
