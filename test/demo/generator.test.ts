import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/business/validate.ts';
import type { ApiRequestEvent, BusinessEvent as DemoEvent, QualityAssessmentEvent } from '../../src/client/index.ts';
import { EventGenerator, type GeneratorOptions } from '../../src/demo/generator.ts';
import { createScenario } from '../../src/demo/scenario.ts';

const START = Date.UTC(2026, 10, 24, 12, 0, 0);

function generate(overrides: Partial<GeneratorOptions> = {}, count = 3000): DemoEvent[] {
  return new EventGenerator({ seed: 1, runId: 'run', rate: 50, startMs: START, scenario: createScenario('normal'), ...overrides }).take(count);
}

function apiStats(events: readonly DemoEvent[]) {
  const api = events.filter((e): e is ApiRequestEvent => e.type === 'api_request');
  const durations = api.map((e) => e.duration_seconds).sort((a, b) => a - b);
  const assessments = events.filter((e): e is QualityAssessmentEvent => e.type === 'quality_assessment');
  return {
    serverErrorShare: api.filter((e) => e.status_code >= 500).length / api.length,
    p95: durations[Math.floor(0.95 * (durations.length - 1))]!,
    meanScore: assessments.reduce((s, e) => s + e.score, 0) / assessments.length,
  };
}

describe('EventGenerator', () => {
  it('gives the same events for the same options', () => {
    expect(generate()).toEqual(generate());
    expect(generate({ scenario: createScenario('incident') })).toEqual(generate({ scenario: createScenario('incident') }));
  });

  it('gives other events for another seed, and only other ids for another run id', () => {
    expect(generate({ seed: 2 })).not.toEqual(generate());
    const stripIds = (events: DemoEvent[]) => events.map(({ id: _id, ...rest }) => rest);
    expect(stripIds(generate({ runId: 'other' }))).toEqual(stripIds(generate()));
  });

  it('numbers ids from the run id and stamps simulated times', () => {
    const events = generate({ runId: 'r1', rate: 4 }, 9);
    expect(events.map((e) => e.id)).toEqual(['r1-0', 'r1-1', 'r1-2', 'r1-3', 'r1-4', 'r1-5', 'r1-6', 'r1-7', 'r1-8']);
    expect(events[0]!.time).toBe('2026-11-24T12:00:00.000Z');
    expect(events[8]!.time).toBe('2026-11-24T12:00:02.000Z');
  });

  it('produces only events the ingest API accepts, of every type', () => {
    const events = generate({ scenario: createScenario('incident', { onsetSec: 0, rampSec: 0 }) }, 5000);
    const problems = events.flatMap((e, i) => validateEvent(e, i));
    expect(problems).toEqual([]);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['work_session', 'user_activity', 'quality_assessment', 'invoice', 'api_request']));
  });

  it('never sends an event for a logged-out annotator, so both readings of "active" agree', () => {
    const online = new Set<string>();
    for (const e of generate({}, 5000)) {
      if (e.type === 'user_activity') {
        expect(online.has(e.user), `${e.id} ${e.user} ${e.state}`).toBe(e.state === 'inactive');
        if (e.state === 'active') online.add(e.user);
        else online.delete(e.user);
      } else if ('user' in e && e.user !== undefined) {
        expect(online.has(e.user), `${e.id} ${e.user}`).toBe(true);
      }
    }
    expect(online.size).toBeGreaterThan(15);
  });

  it('gives previous scores that are the same annotator and task type last score', () => {
    const last = new Map<string, number>();
    let withPrevious = 0;
    for (const e of generate({}, 5000)) {
      if (e.type !== 'quality_assessment' || e.user === undefined) continue;
      const k = `${e.user}|${e.task_type}`;
      expect(e.previous_score).toBe(last.get(k));
      if (e.previous_score !== undefined) withPrevious++;
      last.set(k, e.score);
    }
    expect(withPrevious).toBeGreaterThan(100);
  });

  it('bills in quarter hours with integer cents, and keeps session times whole seconds', () => {
    for (const e of generate({}, 5000)) {
      if (e.type === 'invoice') {
        expect(Number.isInteger(e.billed_hours * 4)).toBe(true);
        expect(Number.isInteger(e.amount_cents)).toBe(true);
      }
      if (e.type === 'work_session') {
        expect(Number.isInteger(e.duration_seconds) && Number.isInteger(e.effective_seconds)).toBe(true);
        expect(e.effective_seconds).toBeLessThanOrEqual(e.duration_seconds);
      }
    }
  });

  it('stays under the alert thresholds in the normal scenario', () => {
    const stats = apiStats(generate({}, 20_000));
    expect(stats.serverErrorShare).toBeLessThan(0.03);
    expect(stats.p95).toBeLessThan(1);
    expect(stats.meanScore).toBeGreaterThan(80);
  });

  it('crosses every alert threshold once the incident is in full swing, and not before', () => {
    const rate = 50;
    const events = generate({ rate, scenario: createScenario('incident', { onsetSec: 30, rampSec: 30 }) }, 200 * rate);
    const before = apiStats(events.slice(0, 30 * rate));
    const during = apiStats(events.slice(60 * rate));
    expect(before.serverErrorShare).toBeLessThan(0.05);
    expect(before.p95).toBeLessThan(2);
    expect(before.meanScore).toBeGreaterThan(75);
    expect(during.serverErrorShare).toBeGreaterThan(0.1);
    expect(during.p95).toBeGreaterThan(2);
    expect(during.meanScore).toBeLessThan(70);
  });
});
