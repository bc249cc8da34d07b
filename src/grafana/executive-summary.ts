import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CATALOGUE } from '../business/catalogue.ts';
import { AGENT_SCOPE, EXACT_NOTE, FIGURE_SCOPE, FLEET_NOTE, THRESHOLDS, UNIT, baseDashboard, finish, query, stat, timeseries, withCurrencyUnits } from './common.ts';
import { ALL_AGENTS, activeUsers, averageQualityScore, invoiceCount, metric, productivity, revenue, sumOf } from './promql.ts';

/** Business figures at a glance: what was billed, at what quality, by how many people. */

/** Rolling window of the trend panels: business events are too sparse for $__rate_interval. */
export const TREND_WINDOW = '1h';

export function executiveSummary(): dashboard.Dashboard {
  return finish(
    baseDashboard({
      uid: 'qb-executive-summary',
      title: 'Quality Billing / Executive Summary',
      description: 'Revenue, quality, productivity and activity of the quality-billing platform over the selected time range.',
      from: 'now-7d',
      refresh: '5m',
    })
      .withPanel(
        withCurrencyUnits(
          stat(
            'Revenue in range',
            `Invoiced amount in the selected time range, one value per currency (amounts are never added across currencies). ${EXACT_NOTE}`,
            UNIT.money,
          ).withTarget(query(revenue(FIGURE_SCOPE, '$__range', [], 'exact'), '{{currency}}', 'A', { instant: true })),
        ).span(8),
      )
      .withPanel(
        stat('Average quality score', `Mean score of the quality assessments in the selected range (0-100). Below 70 for 15 minutes raises QualityBillingLowQualityScore. ${EXACT_NOTE}`, UNIT.score, THRESHOLDS.qualityScore)
          .withTarget(query(averageQualityScore(FIGURE_SCOPE, '$__range', [], 'exact'), 'Average score', 'A', { instant: true }))
          .decimals(1)
          .min(0)
          .max(100)
          .span(4),
      )
      .withPanel(
        stat('Productivity', `Effective work time divided by total work time of the work sessions reported in the selected range. ${EXACT_NOTE}`, UNIT.percent01, THRESHOLDS.productivity)
          .withTarget(query(productivity(FIGURE_SCOPE, '$__range', [], 'exact'), 'Productivity', 'A', { instant: true }))
          .decimals(1)
          .min(0)
          .max(1)
          .span(4),
      )
      .withPanel(
        stat('Invoices in range', `Invoices issued in the selected range, all currencies. ${EXACT_NOTE}`, UNIT.count)
          .withTarget(query(invoiceCount(FIGURE_SCOPE, '$__range', [], 'exact'), 'Invoices', 'A', { instant: true }))
          .decimals(0)
          .span(4),
      )
      .withPanel(
        stat('Active users', 'Users with an event in the agents\' active-user window (default 5 minutes), less those who signed off. Zero for 30 minutes raises QualityBillingNoActiveUsers.', UNIT.count, THRESHOLDS.zeroIsBad)
          .withTarget(query(activeUsers(AGENT_SCOPE), 'Active users', 'A', { instant: true }))
          .decimals(0)
          .span(4),
      )
      .withPanel(
        withCurrencyUnits(
          timeseries('Revenue, trailing hour', `Amount invoiced in the ${TREND_WINDOW} before each point, per currency, by the whole fleet. ${FLEET_NOTE} ${EXACT_NOTE}`, UNIT.money).withTarget(
            query(revenue(ALL_AGENTS, TREND_WINDOW, [], 'exact-fleet'), '{{currency}}'),
          ),
        ),
      )
      .withPanel(
        timeseries('Quality score trend', `Mean assessment score over the ${TREND_WINDOW} before each point, overall and per task type.`, UNIT.score, THRESHOLDS.qualityScore)
          .withTarget(query(averageQualityScore(AGENT_SCOPE, TREND_WINDOW), 'All task types', 'A'))
          .withTarget(query(averageQualityScore(AGENT_SCOPE, TREND_WINDOW, ['task_type']), '{{task_type}}', 'B'))
          .min(0)
          .max(100),
      )
      .withPanel(
        timeseries('Work time and productivity', `Hours worked and effective hours per ${TREND_WINDOW}, all task types.`, UNIT.seconds)
          .withTarget(query(sumOf('increase', metric(CATALOGUE.workTime), AGENT_SCOPE, TREND_WINDOW), 'Work time', 'A'))
          .withTarget(query(sumOf('increase', metric(CATALOGUE.effectiveWorkTime), AGENT_SCOPE, TREND_WINDOW), 'Effective work time', 'B'))
          .span(24),
      )
  );
}
