import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CATALOGUE } from '../business/catalogue.ts';
import { AGENT_SCOPE, EXACT_NOTE, FIGURE_SCOPE, FLEET_NOTE, THRESHOLDS, UNIT, barGauge, baseDashboard, finish, query, stat, timeseries, withCurrencyUnits } from './common.ts';
import { RESET_WATCH } from './carried.ts';
import { ALL_AGENTS, averageHourlyRate, averageInvoiceAmount, fleetExactIncrease, invoiceCount, metric, revenue, selector } from './promql.ts';

/**
 * Revenue per currency, per grade and over time. Every money panel shows one
 * series per currency (ISO code first in the name, so the per-currency unit
 * override applies) and converts minor units with each currency's exponent.
 *
 * Figures over the selected range and the daily / 30-day revenue are exact
 * (exactIncrease); the trailing-window trends keep increase().
 */

const S = AGENT_SCOPE;
const F = FIGURE_SCOPE;

/**
 * Counter resets in the range, from the one per-agent series that drops only
 * when that agent's counters restart from zero under the same service.instance.id
 * (RESET_WATCH): each is an agent that lost its durable state, which makes the
 * exact figures over a range spanning it drop.
 */
export const COUNTER_RESETS = `sum(resets(${selector(RESET_WATCH.record, F)}[$__range])) or vector(0)`;

export function financialAnalytics(): dashboard.Dashboard {
  return finish(
    baseDashboard({
      uid: 'qb-financial-analytics',
      title: 'Quality Billing / Financial Analytics',
      description: 'Invoiced revenue per currency and quality grade, invoice volume, average invoice amount and average hourly rate.',
      from: 'now-30d',
      refresh: '15m',
    })
      .withPanel(
        withCurrencyUnits(
          stat('Revenue in range', `Invoiced amount in the selected range, per currency. ${EXACT_NOTE}`, UNIT.money).withTarget(
            query(revenue(F, '$__range', [], 'exact'), '{{currency}}', 'A', { instant: true }),
          ),
        ).span(5),
      )
      .withPanel(
        withCurrencyUnits(
          stat('Average invoice amount', `Invoiced amount divided by the number of invoices in the selected range, per currency. ${EXACT_NOTE}`, UNIT.money).withTarget(
            query(averageInvoiceAmount(F, '$__range', 'exact'), '{{currency}}', 'A', { instant: true }),
          ),
        ).span(5),
      )
      .withPanel(
        withCurrencyUnits(
          stat('Average hourly rate', `Invoiced amount divided by billed hours in the selected range, per currency (amount per billed hour). ${EXACT_NOTE}`, UNIT.money).withTarget(
            query(averageHourlyRate(F, '$__range', [], 'exact'), '{{currency}}/h', 'A', { instant: true }),
          ),
        ).span(5),
      )
      .withPanel(
        stat('Invoices in range', `Invoices issued in the selected range, per currency. ${EXACT_NOTE}`, UNIT.count)
          .withTarget(query(invoiceCount(F, '$__range', ['currency'], 'exact'), '{{currency}}', 'A', { instant: true }))
          .decimals(0)
          .span(5),
      )
      .withPanel(
        stat(
          'Counter resets in range',
          'Times an agent\'s counters restarted from zero under the same service.instance.id in the selected range: an agent with an explicitly configured service.instance.id lost its durable state (state.dir lost or empty). 0 means the exact figures on this dashboard are complete; above 0, figures over a range spanning the reset are too low by what that agent had counted before it. With the default service.instance.id (kept in state.dir) a lost state makes a new agent instead, and the figures stay exact.',
          UNIT.count,
          THRESHOLDS.anyIsBad,
        )
          .withTarget(query(COUNTER_RESETS, 'Resets', 'A', { instant: true }))
          .decimals(0)
          .span(4),
      )
      .withPanel(
        withCurrencyUnits(
          timeseries('Daily revenue', `Amount invoiced per day, per currency, by the whole fleet. Days are 24 h steps aligned to UTC midnight (Prometheus steps), not calendar days in your time zone. ${FLEET_NOTE} ${EXACT_NOTE}`, UNIT.money)
            .withTarget(query(revenue(ALL_AGENTS, '1d', [], 'exact-fleet'), '{{currency}}', 'A', { minInterval: '1d' }))
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80),
        ),
      )
      .withPanel(
        withCurrencyUnits(
          timeseries('Revenue, trailing 30 days', `Amount invoiced in the 30 days before each point, per currency, by the whole fleet: the monthly run rate. ${FLEET_NOTE} ${EXACT_NOTE}`, UNIT.money).withTarget(
            query(revenue(ALL_AGENTS, '30d', [], 'exact-fleet'), '{{currency}}', 'A', { minInterval: '1h' }),
          ),
        ),
      )
      .withPanel(
        withCurrencyUnits(
          barGauge('Revenue by quality grade', `Amount invoiced in the selected range per currency and quality grade. ${EXACT_NOTE}`, UNIT.money).withTarget(
            query(revenue(F, '$__range', ['quality_grade'], 'exact'), '{{currency}} grade {{quality_grade}}', 'A', { instant: true }),
          ),
        ),
      )
      .withPanel(
        timeseries('Invoice rate', `Invoices issued in the hour before each point, per currency, by the whole fleet. ${FLEET_NOTE} ${EXACT_NOTE}`, UNIT.perHour)
          .withTarget(query(invoiceCount(ALL_AGENTS, '1h', ['currency'], 'exact-fleet'), '{{currency}}'))
          .min(0),
      )
      .withPanel(
        withCurrencyUnits(
          timeseries('Average hourly rate, trend', `Invoiced amount per billed hour over the day before each point, per currency, by the whole fleet. ${FLEET_NOTE} ${EXACT_NOTE}`, UNIT.money).withTarget(
            query(averageHourlyRate(ALL_AGENTS, '1d', [], 'exact-fleet'), '{{currency}}/h', 'A', { minInterval: '5m' }),
          ),
        ),
      )
      .withPanel(
        timeseries('Billed hours', `Hours billed per day, per currency and quality grade, by the whole fleet (the denominator of the hourly rate). ${FLEET_NOTE} ${EXACT_NOTE}`, UNIT.seconds)
          .withTarget(query(fleetExactIncrease(metric(CATALOGUE.billedTime), '1d', ['currency', 'quality_grade']), '{{currency}} grade {{quality_grade}}', 'A', { minInterval: '1d' }))
          .drawStyle(common.GraphDrawStyle.Bars)
          .fillOpacity(80),
      )
  );
}
