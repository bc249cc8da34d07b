import type { Meter } from '@opentelemetry/api';
import type { ViewOptions } from '@opentelemetry/sdk-metrics';
import type { ConfigValues } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { ActiveUsers } from './active-users.ts';
import { CardinalityGuard } from './cardinality.ts';
import { DedupeStore } from './dedupe.ts';
import { createGrader } from './grades.ts';
import { BusinessRecorder } from './recorder.ts';
import { businessViews } from './views.ts';

export interface BusinessParts {
  readonly recorder: BusinessRecorder;
  readonly dedupe: DedupeStore;
  readonly guard: CardinalityGuard;
  readonly activeUsers: ActiveUsers;
}

/** Views must exist before the MeterProvider; everything else is built on its meter. */
export function businessViewsFor(config: Readonly<ConfigValues>): ViewOptions[] {
  return businessViews(config.business.cardinalityLimit);
}

export function createBusiness(meter: Meter, config: Readonly<ConfigValues>, log: Logger, now: () => number): BusinessParts {
  const guard = new CardinalityGuard(config.business.cardinalityLimit, log);
  const activeUsers = new ActiveUsers({ windowMs: config.business.activeUserWindowSec * 1000, now });
  const dedupe = new DedupeStore({ windowMs: config.ingest.dedupeWindowSec * 1000, maxIds: config.ingest.dedupeMaxIds, now });
  const recorder = new BusinessRecorder(meter, { guard, grade: createGrader(config.business.gradeThresholds), activeUsers });

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
    .addCallback((r) => r.observe(config.business.cardinalityLimit));
  return { recorder, dedupe, guard, activeUsers };
}
