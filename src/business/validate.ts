import { Compile } from 'typebox/compile';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType } from './events.ts';

/** One problem with one event, as listed in a 400 invalid_events body. */
export interface EventProblem {
  readonly index: number;
  /** JSON pointer into the event, e.g. "/amount_cents"; "" for the event itself. */
  readonly path: string;
  readonly message: string;
}

const VALIDATORS = Object.fromEntries(EVENT_TYPES.map((t) => [t, Compile(EVENT_SCHEMAS[t])])) as {
  [T in EventType]: ReturnType<typeof Compile<(typeof EVENT_SCHEMAS)[T]>>;
};

const TYPE_LIST = EVENT_TYPES.join(', ');

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(VALIDATORS, value);
}

/**
 * Validates one event. Returns no problems when it is valid. Messages name the
 * field and the rule, in terms a client developer can act on.
 */
export function validateEvent(event: unknown, index: number): EventProblem[] {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return [{ index, path: '', message: `must be a JSON object, not ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}` }];
  }
  const type = (event as { type?: unknown }).type;
  if (type === undefined) return [{ index, path: '/type', message: `is required (one of ${TYPE_LIST})` }];
  if (!isEventType(type)) return [{ index, path: '/type', message: `must be one of ${TYPE_LIST}` }];
  const validator = VALIDATORS[type];
  if (validator.Check(event)) {
    if (type === 'work_session') {
      const ws = event as { duration_seconds: number; effective_seconds: number };
      if (ws.effective_seconds > ws.duration_seconds) {
        return [{ index, path: '/effective_seconds', message: 'must not exceed duration_seconds' }];
      }
    }
    return [];
  }
  const problems: EventProblem[] = [];
  const seen = new Set<string>();
  for (const error of validator.Errors(event)) {
    const problem = describe(error as unknown as SchemaError, index, event);
    if (!problem) continue;
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems.length > 0 ? problems : [{ index, path: '', message: `is not a valid ${type} event` }];
}

interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

function describe(error: SchemaError, index: number, event: object): EventProblem | undefined {
  switch (error.keyword) {
    case 'type': {
      const value = (event as Record<string, unknown>)[error.instancePath.slice(1)];
      if (typeof value === 'number' && !Number.isFinite(value)) return { index, path: error.instancePath, message: 'must be a finite number' };
      const expected = String(error.params.type);
      return { index, path: error.instancePath, message: `must be ${expected === 'integer' ? 'an integer' : `a ${expected}`}` };
    }
    case 'required': {
      const missing = (error.params.requiredProperties as string[] | undefined) ?? [];
      return { index, path: `${error.instancePath}/${missing.join(',')}`, message: 'is required' };
    }
    case 'additionalProperties': {
      const extra = (error.params.additionalProperties as string[] | undefined) ?? [];
      return { index, path: `${error.instancePath}/${extra.join(',')}`, message: 'is not a known field of this event type' };
    }
    case 'boolean':
      // "schema is false": the same unknown field, already reported by additionalProperties.
      return undefined;
    case 'maxLength':
      return { index, path: error.instancePath, message: `must be at most ${String(error.params.limit)} characters` };
    case 'minLength':
      return { index, path: error.instancePath, message: 'must not be empty' };
    case 'pattern':
      return {
        index,
        path: error.instancePath,
        message: error.instancePath === '/currency' ? 'must be an ISO 4217 code of three capital letters' : 'must not contain control characters',
      };
    case 'format':
      return { index, path: error.instancePath, message: 'must be an RFC 3339 date-time, e.g. 2026-11-24T10:00:00Z' };
    case 'const':
    case 'anyOf':
      return { index, path: error.instancePath, message: describeChoices(error.instancePath) };
    default:
      return { index, path: error.instancePath, message: error.message };
  }
}

function describeChoices(path: string): string {
  if (path === '/state') return 'must be "active" or "inactive"';
  if (path === '/method') return 'must be an HTTP method in upper case (GET, POST, ...)';
  return 'has a value that is not allowed';
}
