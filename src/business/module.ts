import type { Meter } from '@opentelemetry/api';
import type { ConfigValues } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { ActiveUsers } from './active-users.ts';
import { CardinalityGuard } from './cardinality.ts';
import { DedupeStore } from './dedupe.ts';
import { createGrader } from './grades.ts';
import { BusinessRecorder } from './recorder.ts';

export interface BusinessParts {
  readonly recorder: BusinessRecorder;
  readonly dedupe: DedupeStore;
  readonly guard: CardinalityGuard;
  readonly activeUsers: ActiveUsers;
}

/** The settings the business state is built from: business.* and the dedupe bounds of ingest.*. */
export type BusinessOptions = Readonly<ConfigValues['business']> & Readonly<Pick<ConfigValues['ingest'], 'dedupeWindowSec' | 'dedupeMaxIds'>>;

/** Built on the MeterProvider's meter; its views (views.ts) must be given to the provider first. */
export function createBusiness(meter: Meter, options: BusinessOptions, log: Logger, now: () => number): BusinessParts {
  const guard = new CardinalityGuard(options.cardinalityLimit, log);
  const activeUsers = new ActiveUsers({ windowMs: options.activeUserWindowSec * 1000, now });
  const dedupe = new DedupeStore({ windowMs: options.dedupeWindowSec * 1000, maxIds: options.dedupeMaxIds, now });
  const recorder = new BusinessRecorder(meter, { guard, grade: createGrader(options.gradeThresholds), activeUsers });

  const overflow = meter.createObservableCounter('qb_agent_cardinality_overflow', {
    description: 'Measurements folded into a metric\'s otel_metric_overflow="true" series because it reached business.cardinalityLimit.',
    unit: '{measurement}',
  });
  const series = meter.createObservableGauge('qb_agent_metric_series', {
    description: 'Label combinations in use per business metric, against business.cardinalityLimit.',
    unit: '{series}',
  });
  // One pass over the guard's usage per collection feeds both instruments.
  meter.addBatchObservableCallback(
    (r) => {
      for (const u of guard.usage()) {
        r.observe(overflow, u.overflowed, { metric: u.metric });
        r.observe(series, u.series, { metric: u.metric });
      }
    },
    [overflow, series],
  );
  meter
    .createObservableGauge('qb_agent_cardinality_limit', {
      description: 'business.cardinalityLimit: the most label combinations each business metric keeps.',
      unit: '{series}',
    })
    .addCallback((r) => r.observe(options.cardinalityLimit));
  return { recorder, dedupe, guard, activeUsers };
}
