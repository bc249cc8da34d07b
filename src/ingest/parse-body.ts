import { ApiError } from '../errors.ts';

export type BodyFormat = 'json' | 'ndjson';

/**
 * Deepest nesting of arrays and objects an event may have, the event object
 * being level 1. Events are flat (level 1 only); a little nesting still gets
 * the validator's field-by-field answer, deeper input is refused here, before
 * any code (validation messages, the status page's excerpt) walks it
 * recursively: 100,000 nested arrays are a parse error, not a stack overflow.
 */
export const MAX_EVENT_DEPTH = 32;

/**
 * Parses a request body into the list of raw (unvalidated) events.
 * JSON: `{"events": [...]}`. NDJSON: one event object per line, blank lines
 * ignored. Errors say where: JSON.parse's position, or the NDJSON line.
 */
export function parseEventsBody(body: string, format: BodyFormat): unknown[] {
  if (body.trim() === '') throw new ApiError('malformed_body', 'the body is empty; send {"events": [...]} or NDJSON');
  const events = format === 'json' ? parseJsonBatch(body) : parseNdjson(body);
  for (let i = 0; i < events.length; i++) {
    if (nestsDeeperThan(events[i], MAX_EVENT_DEPTH)) {
      throw new ApiError(
        'malformed_body',
        `event ${i} nests arrays or objects more than ${MAX_EVENT_DEPTH} levels deep; events are flat objects of strings and numbers`,
      );
    }
  }
  return events;
}

/** Whether arrays and objects nest more than `limit` levels in `value` (itself level 1). Iterative: any depth is safe. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: Array<[object, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    for (const key in node) {
      const child = (node as Record<string, unknown>)[key];
      if (typeof child !== 'object' || child === null) continue;
      if (depth + 1 > limit) return true;
      stack.push([child, depth + 1]);
    }
  }
  return false;
}

function parseJsonBatch(body: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new ApiError('malformed_body', `invalid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError('malformed_body', 'the body must be a JSON object {"events": [...]}');
  }
  const keys = Object.keys(parsed);
  const unknown = keys.filter((k) => k !== 'events');
  if (unknown.length > 0) {
    throw new ApiError('malformed_body', `unknown top-level field ${JSON.stringify(unknown[0])}; the body is {"events": [...]}`);
  }
  const events = (parsed as { events?: unknown }).events;
  if (!Array.isArray(events)) throw new ApiError('malformed_body', '"events" must be an array of event objects');
  return events;
}

function parseNdjson(body: string): unknown[] {
  const events: unknown[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      events.push(JSON.parse(line));
    } catch (err) {
      throw new ApiError('malformed_body', `invalid JSON on line ${i + 1}: ${(err as Error).message}`);
    }
  }
  return events;
}
