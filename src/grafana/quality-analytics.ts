import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as piechart from '@grafana/grafana-foundation-sdk/piechart';
import { CATALOGUE } from '../business/catalogue.ts';
import { AGENT_SCOPE, DATASOURCE, EXACT_NOTE, FIGURE_SCOPE, THRESHOLDS, UNIT, barGauge, baseDashboard, finish, query, stat, thresholds, timeseries } from './common.ts';
import { TREND_WINDOW } from './executive-summary.ts';
import { averageImprovement, averageQualityScore, exactIncrease, improvedShare, metric, sumOf } from './promql.ts';

/** How good is the work, per task type, and is it getting better? */

const S = AGENT_SCOPE;
const F = FIGURE_SCOPE;
const SCORE = CATALOGUE.qualityScore;
const ASSESSMENTS = metric(CATALOGUE.qualityAssessments);

export function qualityAnalytics(): dashboard.Dashboard {
  return finish(
    baseDashboard({
      uid: 'qb-quality-analytics',
      title: 'Quality Billing / Quality Analytics',
      description: 'Quality assessment scores: distribution, trend, task types, grades and improvement on re-assessment.',
      from: 'now-7d',
      refresh: '5m',
    })
      .withPanel(
        stat('Average score', `Mean assessment score in the selected range (0-100). ${EXACT_NOTE}`, UNIT.score, THRESHOLDS.qualityScore)
          .withTarget(query(averageQualityScore(F, '$__range', [], 'exact'), 'Average score', 'A', { instant: true }))
          .decimals(1)
          .min(0)
          .max(100),
      )
      .withPanel(
        stat('Assessments', `Quality assessments in the selected range. ${EXACT_NOTE}`, UNIT.count)
          .withTarget(query(exactIncrease(ASSESSMENTS, F, '$__range'), 'Assessments', 'A', { instant: true }))
          .decimals(0),
      )
      .withPanel(
        stat('Average improvement', `Mean score change of re-assessed work (score - previous_score) in the selected range; positive is better. ${EXACT_NOTE}`, UNIT.points, [
          { value: null, color: 'red' },
          { value: 0, color: 'green' },
        ])
          .withTarget(query(averageImprovement(F, '$__range', [], 'exact'), 'Average improvement', 'A', { instant: true }))
          .decimals(1),
      )
      .withPanel(
        stat('Re-assessments improved', `Share of re-assessed work whose score went up, in the selected range. ${EXACT_NOTE}`, UNIT.percent01, THRESHOLDS.productivity)
          .withTarget(query(improvedShare(F, '$__range', 'exact'), 'Improved', 'A', { instant: true }))
          .decimals(1)
          .min(0)
          .max(1),
      )
      .withPanel(
        new heatmap.PanelBuilder()
          .title('Score heatmap')
          .description('Assessments per score bucket over time, from the quality_billing_quality_score histogram (buckets of 10 points).')
          .datasource(DATASOURCE)
          .unit(UNIT.count)
          .thresholds(thresholds(THRESHOLDS.neutral))
          .withTarget(query(sumOf('increase', metric(SCORE, '_bucket'), S, '$__rate_interval', ['le']), '{{le}}', 'A', { heatmap: true }))
          .calculate(false)
          .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Le))
          .yAxis(new heatmap.YAxisConfigBuilder().unit(UNIT.score).decimals(0))
          .cellValues(new heatmap.CellValuesBuilder().unit(UNIT.count).decimals(0))
          .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges').fill('dark-orange').scale(heatmap.HeatmapColorScale.Exponential).exponent(0.5).steps(64).reverse(false))
          .height(9)
          .span(16),
      )
      .withPanel(
        barGauge('Score distribution', `Assessments per score bucket (upper bound shown; Prometheus 3 writes 10 as 10.0) in the selected range. ${EXACT_NOTE}`, UNIT.count)
          .withTarget(query(exactIncrease(metric(SCORE, '_bucket'), F, '$__range', ['le']), '{{le}}', 'A', { instant: true, heatmap: true }))
          .orientation(common.VizOrientation.Vertical)
          .decimals(0)
          .height(9)
          .span(8),
      )
      .withPanel(
        barGauge('Average score by task type', `Mean assessment score per task type in the selected range. ${EXACT_NOTE}`, UNIT.score, THRESHOLDS.qualityScore)
          .withTarget(query(averageQualityScore(F, '$__range', ['task_type'], 'exact'), '{{task_type}}', 'A', { instant: true }))
          .min(0)
          .max(100)
          .decimals(1)
          .span(8),
      )
      .withPanel(
        barGauge('Assessments by task type', `Quality assessments per task type in the selected range. ${EXACT_NOTE}`, UNIT.count)
          .withTarget(query(exactIncrease(ASSESSMENTS, F, '$__range', ['task_type']), '{{task_type}}', 'A', { instant: true }))
          .decimals(0)
          .span(8),
      )
      .withPanel(
        new piechart.PanelBuilder()
          .title('Grade mix')
          .description(`Assessments per grade in the selected range (grades from business.gradeThresholds, default A >= 90, B >= 80, C >= 70, else D). ${EXACT_NOTE}`)
          .datasource(DATASOURCE)
          .unit(UNIT.count)
          .decimals(0)
          .thresholds(thresholds(THRESHOLDS.neutral))
          .withTarget(query(exactIncrease(ASSESSMENTS, F, '$__range', ['grade']), '{{grade}}', 'A', { instant: true }))
          .pieType(piechart.PieChartType.Donut)
          .displayLabels([piechart.PieChartLabels.Name, piechart.PieChartLabels.Percent])
          .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
          .legend(new piechart.PieChartLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Right).values([piechart.PieChartLegendValues.Value, piechart.PieChartLegendValues.Percent]))
          .height(8)
          .span(8),
      )
      .withPanel(
        timeseries('Average score by task type, trend', `Mean score over the ${TREND_WINDOW} before each point, per task type.`, UNIT.score, THRESHOLDS.qualityScore)
          .withTarget(query(averageQualityScore(S, TREND_WINDOW, ['task_type']), '{{task_type}}'))
          .min(0)
          .max(100),
      )
      .withPanel(
        timeseries('Improvement tracking', `Mean score change of re-assessed work over the ${TREND_WINDOW} before each point, per task type; above 0 means re-work is paying off.`, UNIT.points, [
          { value: null, color: 'red' },
          { value: 0, color: 'green' },
        ])
          .withTarget(query(averageImprovement(S, TREND_WINDOW, ['task_type']), '{{task_type}}'))
          .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line)),
      )
  );
}
