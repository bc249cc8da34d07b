import { events, type ApiRequestEvent, type BusinessEvent, type EventType, type InvoiceEvent, type QualityAssessmentEvent, type UserActivityEvent, type WorkSessionEvent } from '../client/index.ts';
import { Prng } from './prng.ts';
import type { Scenario } from './scenario.ts';
import {
  CLIENT_ERRORS,
  CURRENCIES,
  GRADE_RATES,
  ROUTES,
  SERVER_ERRORS,
  TARGET_ONLINE_SHARE,
  TASK_TYPES,
  WORKFORCE_SIZE,
  type TaskTypeSpec,
} from './world.ts';

/** What every generated event starts from: an id unique per run (so a retried batch is deduplicated, never double-counted) and a time. */
interface Base {
  readonly id: string;
  readonly time: string;
}

export interface GeneratorOptions {
  readonly seed: number;
  /** Prefix of every event id; unique per run so a rerun against the same agent is not deduplicated. */
  readonly runId: string;
  /** Events per simulated second: event n happens at simulated time n / rate. */
  readonly rate: number;
  /** Wall-clock start (ms since the epoch) for the informational `time` field. */
  readonly startMs: number;
  readonly scenario: Scenario;
}

interface Annotator {
  readonly user: string;
  /** Points added to this annotator's scores. */
  readonly skill: number;
  /** Typical effective / total work time. */
  readonly productivity: number;
  online: boolean;
}

/** How often each event type occurs (before the workforce state can turn a pick into a log-in). */
const EVENT_MIX: readonly (readonly [EventType, number])[] = [
  ['api_request', 50],
  ['work_session', 15],
  ['quality_assessment', 15],
  ['user_activity', 12],
  ['invoice', 8],
];

const INVOICE_GRADES: readonly (readonly [string, number])[] = [
  ['A', 30],
  ['B', 40],
  ['C', 20],
  ['D', 10],
];

/**
 * A deterministic stream of platform events: the same options give the same
 * events, in the same order, on every machine. Annotators log in and out
 * (user_activity), work (work_session) and get assessed (quality_assessment,
 * with the previous score of the same annotator and task type, so scores drift
 * and improvements show); the API serves requests (some 4xx/5xx, some slow);
 * invoices are issued per grade and currency.
 *
 * An annotator sends nothing while logged out, so "latest user_activity is
 * inactive" and "no recent event" never disagree about who is active.
 */
export class EventGenerator {
  readonly #prng: Prng;
  readonly #options: GeneratorOptions;
  readonly #workforce: Annotator[];
  readonly #lastScore = new Map<string, number>();
  /** Per task type: a mean-reverting random walk added to its quality. */
  readonly #walk = new Map<string, number>();
  #seq = 0;

  constructor(options: GeneratorOptions) {
    if (!(options.rate > 0)) throw new RangeError(`rate must be positive, got ${options.rate}`);
    this.#options = options;
    this.#prng = new Prng(options.seed);
    this.#workforce = Array.from({ length: WORKFORCE_SIZE }, (_, i) => ({
      user: `annotator-${String(i + 1).padStart(3, '0')}`,
      skill: Math.round(this.#prng.normal(0, 3)),
      productivity: 0.6 + this.#prng.next() * 0.35,
      online: false,
    }));
  }

  /** Events generated so far. */
  get generated(): number {
    return this.#seq;
  }

  /** The next `count` events. */
  take(count: number): BusinessEvent[] {
    const out: BusinessEvent[] = [];
    for (let i = 0; i < count; i++) out.push(this.next());
    return out;
  }

  next(): BusinessEvent {
    const simSec = this.#seq / this.#options.rate;
    const base: Base = {
      id: `${this.#options.runId}-${this.#seq}`,
      time: new Date(this.#options.startMs + Math.round(simSec * 1000)).toISOString(),
    };
    this.#seq++;
    const type = this.#prng.weighted(EVENT_MIX);
    const online = this.#workforce.filter((a) => a.online);
    switch (type) {
      case 'api_request':
        return this.#apiRequest(base, simSec);
      case 'invoice':
        return this.#invoice(base);
      case 'user_activity':
        return this.#userActivity(base, online);
      case 'work_session':
        return online.length === 0 ? this.#userActivity(base, online) : this.#workSession(base, this.#prng.pick(online));
      case 'quality_assessment':
        return this.#assessment(base, simSec, online);
    }
  }

  #userActivity(base: Base, online: readonly Annotator[]): UserActivityEvent {
    const offline = this.#workforce.filter((a) => !a.online);
    const share = online.length / this.#workforce.length;
    const logIn = online.length === 0 || (offline.length > 0 && this.#prng.chance(share < TARGET_ONLINE_SHARE ? 0.8 : 0.2));
    const annotator = this.#prng.pick(logIn ? offline : online);
    annotator.online = logIn;
    return events.userActivity({ ...base, user: annotator.user, state: logIn ? 'active' : 'inactive' });
  }

  #workSession(base: Base, annotator: Annotator): WorkSessionEvent {
    const task = this.#prng.weighted(TASK_TYPES.map((t) => [t, t.weight] as const));
    const duration = clamp(Math.round(this.#prng.logNormal(task.medianSessionSec, 0.5)), 60, 4 * 3600);
    const productivity = clamp(annotator.productivity + this.#prng.normal(0, 0.05), 0.3, 1);
    return events.workSession({
      ...base,
      user: annotator.user,
      task_type: task.name,
      duration_seconds: duration,
      effective_seconds: Math.min(duration, Math.round(duration * productivity)),
    });
  }

  #assessment(base: Base, simSec: number, online: readonly Annotator[]): QualityAssessmentEvent {
    const task = this.#prng.weighted(TASK_TYPES.map((t) => [t, t.weight] as const));
    // Most assessments name the annotator; some come from batch reviews that do not.
    const annotator = online.length > 0 && this.#prng.chance(0.9) ? this.#prng.pick(online) : undefined;
    const mean = this.#qualityMean(task, simSec) + (annotator?.skill ?? 0);
    const score = clamp(Math.round(this.#prng.normal(mean, 5)), 0, 100);
    if (!annotator) return events.qualityAssessment({ ...base, task_type: task.name, score });
    const key = `${annotator.user}|${task.name}`;
    const previous = this.#lastScore.get(key);
    this.#lastScore.set(key, score);
    return events.qualityAssessment({
      ...base,
      task_type: task.name,
      score,
      ...(previous === undefined ? {} : { previous_score: previous }),
      user: annotator.user,
    });
  }

  /** A task type's quality now: its base, a slow seasonal swing, a random walk, less the scenario's penalty. */
  #qualityMean(task: TaskTypeSpec, simSec: number): number {
    const walk = 0.98 * (this.#walk.get(task.name) ?? 0) + this.#prng.normal(0, 0.8);
    this.#walk.set(task.name, walk);
    const seasonal = 4 * Math.sin((2 * Math.PI * simSec) / task.driftPeriodSec);
    return task.baseQuality + seasonal + walk - this.#options.scenario.healthAt(simSec).qualityPenalty;
  }

  #invoice(base: Base): InvoiceEvent {
    const grade = this.#prng.weighted(INVOICE_GRADES);
    const [currency, , perEurCent] = this.#prng.weighted(CURRENCIES.map((c) => [c, c[1]] as const));
    // Billed in quarter hours, 1 to 80 hours.
    const billedHours = this.#prng.int(4, 320) / 4;
    const rate = GRADE_RATES[grade] ?? 0;
    return events.invoice({
      ...base,
      amount_cents: Math.round(billedHours * rate * perEurCent),
      currency,
      quality_grade: grade,
      billed_hours: billedHours,
    });
  }

  #apiRequest(base: Base, simSec: number): ApiRequestEvent {
    const health = this.#options.scenario.healthAt(simSec);
    const spec = this.#prng.weighted(ROUTES.map((r) => [r, r.weight] as const));
    const r = this.#prng.next();
    const status =
      r < health.serverErrorShare
        ? this.#prng.weighted(SERVER_ERRORS)
        : r < health.serverErrorShare + health.clientErrorShare
          ? this.#prng.weighted(CLIENT_ERRORS)
          : spec.okStatus;
    let seconds: number;
    if (status === 504) seconds = 5 + this.#prng.next() * 5; // the gateway gave up
    else if (this.#prng.chance(health.slowShare)) seconds = 2 + this.#prng.next() * 6;
    else seconds = this.#prng.logNormal(spec.medianSec, 0.6);
    return events.apiRequest({
      ...base,
      route: spec.route,
      method: spec.method,
      status_code: status,
      // Millisecond resolution, as an access log reports it.
      duration_seconds: Math.max(0.001, Math.round(seconds * 1000) / 1000),
    });
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
