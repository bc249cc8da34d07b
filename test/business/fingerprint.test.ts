import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/business/dedupe.ts';

/** The fingerprint's definition (the original implementation): snapshots hold these values, so the fast path must match it exactly. */
function reference(event: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(event)
    .filter((k) => k !== 'id' && k !== 'time')
    .sort();
  let canonical = '{';
  for (const k of keys) canonical += `${JSON.stringify(k)}:${JSON.stringify(event[k])},`;
  return hash('sha1', `${canonical}}`, 'base64');
}

const field = fc.constantFrom('type', 'id', 'time', 'user', 'task_type', 'score', 'amount_cents', 'currency', 'route', 'status_code', 'duration_seconds');
const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, 0, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue(),
);

describe('fingerprint', () => {
  it('equals the canonical-JSON SHA-1 definition on arbitrary objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(field, fc.string({ unit: 'binary' })), value), (event) => {
        expect(fingerprint(event)).toBe(reference(event));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the published value of a known event (fingerprints persist in snapshots)', () => {
    const e = { type: 'invoice', id: 'x', time: '2026-11-24T10:00:00Z', amount_cents: 1250, currency: 'EUR', quality_grade: 'A', billed_hours: 1.5 };
    expect(fingerprint(e)).toBe(reference(e));
    expect(fingerprint(e)).toBe(hash('sha1', '{"amount_cents":1250,"billed_hours":1.5,"currency":"EUR","quality_grade":"A","type":"invoice",}', 'base64'));
  });
});
