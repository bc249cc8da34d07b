import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CATALOGUE } from '../business/catalogue.ts';
import { AGENT_SCOPE, UNIT, barGauge, baseDashboard, finish, query, stat, timeseries, withCurrencyUnits } from './common.ts';
import { averageHourlyRate, averageInvoiceAmount, metric, revenue, sumOf } from './promql.ts';

/**
 * Revenue per currency, per grade and over time. Every money panel shows one
 * series per currency (ISO code first in the name, so the per-currency unit
 * override applies) and converts minor units with each currency's exponent.
 */

const S = AGENT_SCOPE;
const INVOICES = metric(CATALOGUE.invoices);

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
          stat('Revenue in range', 'Invoiced amount in the selected range, per currency.', UNIT.money).withTarget(query(revenue(S, '$__range'), '{{currency}}', 'A', { instant: true })),
        ),
      )
      .withPanel(
        withCurrencyUnits(
          stat('Average invoice amount', 'Invoiced amount divided by the number of invoices in the selected range, per currency.', UNIT.money).withTarget(
            query(averageInvoiceAmount(S, '$__range'), '{{currency}}', 'A', { instant: true }),
          ),
        ),
      )
      .withPanel(
        withCurrencyUnits(
          stat('Average hourly rate', 'Invoiced amount divided by billed hours in the selected range, per currency (amount per billed hour).', UNIT.money).withTarget(
            query(averageHourlyRate(S, '$__range'), '{{currency}}/h', 'A', { instant: true }),
          ),
        ),
      )
      .withPanel(
        stat('Invoices in range', 'Invoices issued in the selected range, per currency.', UNIT.count)
          .withTarget(query(sumOf('increase', INVOICES, S, '$__range', ['currency']), '{{currency}}', 'A', { instant: true }))
          .decimals(0),
      )
      .withPanel(
        withCurrencyUnits(
          timeseries('Daily revenue', 'Amount invoiced per day, per currency. Days are 24 h steps aligned to UTC midnight (Prometheus steps), not calendar days in your time zone.', UNIT.money)
            .withTarget(query(revenue(S, '1d'), '{{currency}}', 'A', { minInterval: '1d' }))
            .drawStyle(common.GraphDrawStyle.Bars)
            .fillOpacity(80),
        ),
      )
      .withPanel(
        withCurrencyUnits(
          timeseries('Revenue, trailing 30 days', 'Amount invoiced in the 30 days before each point, per currency: the monthly run rate.', UNIT.money).withTarget(
            query(revenue(S, '30d'), '{{currency}}', 'A', { minInterval: '1h' }),
          ),
        ),
      )
      .withPanel(
        withCurrencyUnits(
          barGauge('Revenue by quality grade', 'Amount invoiced in the selected range per currency and quality grade.', UNIT.money).withTarget(
            query(revenue(S, '$__range', ['quality_grade']), '{{currency}} grade {{quality_grade}}', 'A', { instant: true }),
          ),
        ),
      )
      .withPanel(
        timeseries('Invoice rate', 'Invoices issued per hour (trailing hour), per currency.', UNIT.perHour)
          .withTarget(query(sumOf('increase', INVOICES, S, '1h', ['currency']), '{{currency}}'))
          .min(0),
      )
      .withPanel(
        withCurrencyUnits(
          timeseries('Average hourly rate, trend', 'Invoiced amount per billed hour over the day before each point, per currency.', UNIT.money).withTarget(
            query(averageHourlyRate(S, '1d'), '{{currency}}/h', 'A', { minInterval: '5m' }),
          ),
        ),
      )
      .withPanel(
        timeseries('Billed hours', 'Hours billed per day, per currency and quality grade.', UNIT.seconds)
          .withTarget(query(sumOf('increase', metric(CATALOGUE.billedTime), S, '1d', ['currency', 'quality_grade']), '{{currency}} grade {{quality_grade}}', 'A', { minInterval: '1d' }))
          .drawStyle(common.GraphDrawStyle.Bars)
          .fillOpacity(80),
      )
  );
}
