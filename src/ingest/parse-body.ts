import { ApiError } from '../errors.ts';

export type BodyFormat = 'json' | 'ndjson';

/**
 * Parses a request body into the list of raw (unvalidated) events.
 * JSON: `{"events": [...]}`. NDJSON: one event object per line, blank lines
 * ignored. Errors say where: JSON.parse's position, or the NDJSON line.
 */
export function parseEventsBody(body: string, format: BodyFormat): unknown[] {
  if (body.trim() === '') throw new ApiError('malformed_body', 'the body is empty; send {"events": [...]} or NDJSON');
  return format === 'json' ? parseJsonBatch(body) : parseNdjson(body);
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
