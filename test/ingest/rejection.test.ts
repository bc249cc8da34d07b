import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/business/events.ts';
import { createTestAgent, type TestAgent } from '../support/in-process-agent.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';

const VALID_INVOICE = { type: 'invoice', amount_cents: 100, currency: 'EUR', quality_grade: 'A', billed_hours: 1 };
const KNOWN_TYPES = new Set<unknown>(EVENT_TYPES);
const VALID_SESSION = { type: 'work_session', user: 'u', task_type: 't', duration_seconds: 10, effective_seconds: 5 };

let t: TestAgent;
let baseline: string;

beforeAll(async () => {
  t = createTestAgent(['--ingest.maxEventsPerBatch', '10000', '--ingest.maxBodyBytes', '2000000']);
  expect((await t.post([VALID_INVOICE, VALID_SESSION, { type: 'quality_assessment', task_type: 't', score: 80 }])).status).toBe(202);
  baseline = await t.businessMetrics();
});
afterAll(async () => {
  await t.close();
});

/** One invalid event per rule: [what, event, expected details]. The valid events around it must not be recorded either. */
const INVALID_EVENTS: Array<[string, unknown, Array<{ path: string; message: string }>]> = [
  ['missing type', { user: 'u' }, [{ path: '/type', message: 'is required (one of work_session, user_activity, quality_assessment, invoice, api_request)' }]],
  ['unknown type', { type: 'invoices' }, [{ path: '/type', message: 'must be one of work_session, user_activity, quality_assessment, invoice, api_request' }]],
  ['non-object event', 42, [{ path: '', message: 'must be a JSON object, not number' }]],
  ['array event', [VALID_INVOICE], [{ path: '', message: 'must be a JSON object, not an array' }]],
  ['null event', null, [{ path: '', message: 'must be a JSON object, not null' }]],
  ['typo in a field', { ...VALID_INVOICE, amount_cents: undefined, amount_cent: 100 }, [
    { path: '/amount_cents', message: 'is required' },
    { path: '/amount_cent', message: 'is not a known field of this event type' },
  ]],
  ['wrong type of a field', { ...VALID_INVOICE, amount_cents: '100' }, [{ path: '/amount_cents', message: 'must be an integer' }]],
  ['fractional cents', { ...VALID_INVOICE, amount_cents: 100.5 }, [{ path: '/amount_cents', message: 'must be an integer' }]],
  ['negative amount', { ...VALID_INVOICE, amount_cents: -1 }, [{ path: '/amount_cents', message: 'must be >= 0' }]],
  ['amount above 2^53-1', { ...VALID_INVOICE, amount_cents: 9007199254740992 }, [{ path: '/amount_cents', message: 'must be <= 9007199254740991' }]],
  ['lower-case currency', { ...VALID_INVOICE, currency: 'eur' }, [{ path: '/currency', message: 'must be an ISO 4217 code of three capital letters' }]],
  ['long quality grade', { ...VALID_INVOICE, quality_grade: 'A'.repeat(17) }, [{ path: '/quality_grade', message: 'must be at most 16 characters' }]],
  ['negative billed hours', { ...VALID_INVOICE, billed_hours: -0.5 }, [{ path: '/billed_hours', message: 'must be >= 0' }]],
  ['effective above duration', { ...VALID_SESSION, effective_seconds: 11 }, [{ path: '/effective_seconds', message: 'must not exceed duration_seconds' }]],
  ['duration above a day', { ...VALID_SESSION, duration_seconds: 86401 }, [{ path: '/duration_seconds', message: 'must be <= 86400' }]],
  ['empty user', { ...VALID_SESSION, user: '' }, [{ path: '/user', message: 'must not be empty' }]],
  ['user over 128 characters', { ...VALID_SESSION, user: 'u'.repeat(129) }, [{ path: '/user', message: 'must be at most 128 characters' }]],
  ['task type over 64 characters', { ...VALID_SESSION, task_type: 't'.repeat(65) }, [{ path: '/task_type', message: 'must be at most 64 characters' }]],
  ['control character in a label', { ...VALID_SESSION, task_type: 'a\nb' }, [{ path: '/task_type', message: 'must not contain control characters' }]],
  ['bad activity state', { type: 'user_activity', user: 'u', state: 'away' }, [{ path: '/state', message: 'must be "active" or "inactive"' }]],
  ['score above 100', { type: 'quality_assessment', task_type: 't', score: 100.1 }, [{ path: '/score', message: 'must be <= 100' }]],
  ['previous score below 0', { type: 'quality_assessment', task_type: 't', score: 1, previous_score: -1 }, [{ path: '/previous_score', message: 'must be >= 0' }]],
  ['lower-case method', { type: 'api_request', route: '/r', method: 'get', status_code: 200, duration_seconds: 1 }, [{ path: '/method', message: 'must be an HTTP method in upper case (GET, POST, ...)' }]],
  ['status code 600', { type: 'api_request', route: '/r', method: 'GET', status_code: 600, duration_seconds: 1 }, [{ path: '/status_code', message: 'must be <= 599' }]],
  ['negative response time', { type: 'api_request', route: '/r', method: 'GET', status_code: 200, duration_seconds: -1 }, [{ path: '/duration_seconds', message: 'must be >= 0' }]],
  ['empty id', { ...VALID_SESSION, id: '' }, [{ path: '/id', message: 'must not be empty' }]],
  ['id over 128 characters', { ...VALID_SESSION, id: 'i'.repeat(129) }, [{ path: '/id', message: 'must be at most 128 characters' }]],
  ['time not RFC 3339', { ...VALID_SESSION, time: '24/11/2026' }, [{ path: '/time', message: 'must be an RFC 3339 date-time, e.g. 2026-11-24T10:00:00Z' }]],
];

describe('invalid events: 400 invalid_events, nothing recorded', () => {
  it.each(INVALID_EVENTS)('%s', async (_name, event, details) => {
    const res = await t.post([VALID_INVOICE, event, VALID_SESSION]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_events',
      message: '1 of 3 events are invalid; nothing in the batch was recorded',
      details: details.map((d) => ({ index: 1, ...d })),
    });
    expect(await t.businessMetrics()).toBe(baseline);
  });

  it('Infinity from an overflowing number literal is rejected', async () => {
    const raw = `{"events":[{"type":"work_session","user":"u","task_type":"t","duration_seconds":1e400,"effective_seconds":1}]}`;
    const res = await t.post(undefined, { raw });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ index: 0, path: '/duration_seconds', message: 'must be a finite number' }]);
    expect(await t.businessMetrics()).toBe(baseline);
  });

  it('lists every invalid event, at most 100 details', async () => {
    const events = Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? { type: 'nope' } : VALID_SESSION));
    const res = await t.post(events);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('75 of 150 events are invalid; nothing in the batch was recorded');
    const details = res.body.details as Array<{ index: number }>;
    expect(details).toHaveLength(75);
    expect(details.map((d) => d.index)).toEqual(Array.from({ length: 75 }, (_, i) => i * 2));
    const many = await t.post(Array.from({ length: 250 }, () => ({ type: 'nope' })));
    expect((many.body.details as unknown[]).length).toBe(100);
    expect(await t.businessMetrics()).toBe(baseline);
  });
});

describe('bad requests', () => {
  const cases: Array<[string, Parameters<TestAgent['post']>, number, Record<string, unknown>]> = [
    ['malformed JSON', [undefined, { raw: '{"events": [}' }], 400, { error: 'malformed_body', message: `invalid JSON: Unexpected token '}', "{"events": [}" is not valid JSON` }],
    ['NaN literal', [undefined, { raw: '{"events":[{"type":"invoice","amount_cents":NaN}]}' }], 400, { error: 'malformed_body', message: `invalid JSON: Unexpected token 'N', ..."nt_cents":NaN}]}" is not valid JSON` }],
    ['empty body', [undefined, { raw: '' }], 400, { error: 'malformed_body', message: 'the body is empty; send {"events": [...]} or NDJSON' }],
    ['empty batch', [[]], 400, { error: 'malformed_body', message: 'the batch holds no events' }],
    ['events not an array', [undefined, { raw: '{"events": {}}' }], 400, { error: 'malformed_body', message: '"events" must be an array of event objects' }],
    ['top-level array', [undefined, { raw: '[]' }], 400, { error: 'malformed_body', message: 'the body must be a JSON object {"events": [...]}' }],
    ['unknown top-level field', [undefined, { raw: '{"events": [], "event": []}' }], 400, { error: 'malformed_body', message: 'unknown top-level field "event"; the body is {"events": [...]}' }],
    ['bad NDJSON line', [undefined, { contentType: 'application/x-ndjson', raw: '{"type":"user_activity","user":"u","state":"active"}\n{oops}\n' }], 400, { error: 'malformed_body', message: expect.stringMatching(/^invalid JSON on line 2: /) }],
    ['text/plain', [undefined, { contentType: 'text/plain', raw: 'hello' }], 415, { error: 'unsupported_media_type', message: 'Content-Type must be application/json or application/x-ndjson' }],
    ['form data', [undefined, { contentType: 'application/x-www-form-urlencoded', raw: 'a=1' }], 415, { error: 'unsupported_media_type', message: 'Content-Type must be application/json or application/x-ndjson' }],
  ];
  it.each(cases)('%s', async (_name, args, status, body) => {
    const res = await t.post(...args);
    expect(res.status).toBe(status);
    expect(res.body).toEqual(body);
    expect(await t.businessMetrics()).toBe(baseline);
  });

  it('10,001 events: 413 too_many_events', async () => {
    const res = await t.post(Array.from({ length: 10_001 }, () => VALID_SESSION));
    expect(res).toEqual({ status: 413, body: { error: 'too_many_events', message: 'the batch holds 10001 events; the limit is 10000' } });
    expect(await t.businessMetrics()).toBe(baseline);
  });

  it('a body over ingest.maxBodyBytes: 413 body_too_large', async () => {
    const small = createTestAgent(['--ingest.maxBodyBytes', '1024']);
    try {
      const before = await small.businessMetrics();
      const res = await small.post(Array.from({ length: 20 }, () => VALID_SESSION));
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('body_too_large');
      expect(await small.businessMetrics()).toBe(before);
    } finally {
      await small.close();
    }
  });

  it('counts rejected events and requests by status in the self-metrics', async () => {
    const s = parseExposition(await t.metrics());
    expect(valueOf(s, 'qb_agent_ingest_requests_total', { status_code: '202' })).toBe(1);
    expect(valueOf(s, 'qb_agent_ingest_requests_total', { status_code: '415' })).toBe(2);
    // Rejected events count under their type, or "invalid" without a known one: the table's rows with
    // no known type, then the 75 and 250 type "nope" events of the detail-limit test.
    const untyped = INVALID_EVENTS.filter(([, event]) => !KNOWN_TYPES.has((event as { type?: unknown } | null)?.type)).length;
    expect(untyped).toBe(5);
    expect(valueOf(s, 'qb_agent_events_total', { type: 'invalid', outcome: 'rejected' })).toBe(untyped + 75 + 250);
    expect(valueOf(s, 'qb_agent_events_total', { type: 'invoice', outcome: 'accepted' })).toBe(1);
  });
});

describe('authentication', () => {
  let secured: TestAgent;
  beforeAll(() => {
    secured = createTestAgent([], { QB_AGENT_INGEST_TOKENS: 'first-token,second-token' });
  });
  afterAll(async () => {
    await secured.close();
  });

  it.each([
    ['missing token', {}],
    ['wrong token', { authorization: 'Bearer third-token' }],
    ['token prefix', { authorization: 'Bearer first' }],
    ['basic scheme', { authorization: 'Basic Zmlyc3QtdG9rZW4=' }],
    ['bare token', { authorization: 'first-token' }],
  ])('%s: 401', async (_name, headers) => {
    const before = await secured.businessMetrics();
    const res = await secured.post([VALID_INVOICE], { headers });
    expect(res).toEqual({ status: 401, body: { error: 'unauthorized', message: 'missing or invalid bearer token' } });
    expect(await secured.businessMetrics()).toBe(before);
  });

  it('accepts every configured token', async () => {
    expect((await secured.post([VALID_INVOICE], { headers: { authorization: 'Bearer first-token' } })).status).toBe(202);
    expect((await secured.post([VALID_INVOICE], { headers: { authorization: 'bearer second-token' } })).status).toBe(202);
  });

  it('checks the token before reading the body', async () => {
    const res = await secured.post(undefined, { raw: '{not json', headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
  });
});
