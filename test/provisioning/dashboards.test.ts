import { describe, expect, it } from 'vitest';
import { DASHBOARD_FILES, panelsOf, readDashboard } from './support/generated.ts';

const dashboards = DASHBOARD_FILES.map((file) => ({ file, d: readDashboard(file) }));

describe('dashboard JSON', () => {
  it('has the four dashboards with stable, unique uids', () => {
    expect(dashboards.map(({ d }) => d.uid)).toEqual(['qb-executive-summary', 'qb-operations', 'qb-quality-analytics', 'qb-financial-analytics']);
    expect(dashboards.map(({ d }) => d.title)).toEqual([
      'Quality Billing / Executive Summary',
      'Quality Billing / Operations',
      'Quality Billing / Quality Analytics',
      'Quality Billing / Financial Analytics',
    ]);
  });

  describe.each(dashboards)('$file', ({ d }) => {
    const panels = panelsOf(d).filter((p) => p.type !== 'row');

    it('has a default time range and refresh', () => {
      expect(d.time?.to).toBe('now');
      expect(d.time?.from).toMatch(/^now-\d+[hd]$/);
      expect(d.refresh).toMatch(/^\d+[sm]$/);
    });

    it('has the datasource variable and job/instance/agent variables whose "All" matches a missing label', () => {
      const vars = d.templating?.list ?? [];
      expect(vars.map((v) => [v.name, v.type])).toEqual([
        ['datasource', 'datasource'],
        ['job', 'query'],
        ['instance', 'query'],
        ['agent', 'query'],
      ]);
      expect(vars[0]!.query).toBe('prometheus');
      for (const v of vars.slice(1)) {
        expect(v.includeAll, v.name).toBe(true);
        expect(v.allValue, v.name).toBe('.*');
      }
    });

    it('has no duplicate panel ids', () => {
      const ids = panelsOf(d).map((p) => p.id);
      expect(ids.every((id) => typeof id === 'number')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('has at least one panel', () => {
      expect(panels.length).toBeGreaterThan(3);
    });

    it.each(panels.map((p) => [p.title ?? '(untitled)', p] as const))('panel "%s": title, description, unit, thresholds, datasource and queries', (_title, p) => {
      expect(p.title).toBeTruthy();
      expect(p.description?.length).toBeGreaterThan(20);
      expect(p.fieldConfig?.defaults?.unit).toBeTruthy();
      // Grafana's base step has no value (-Infinity); the others rise strictly.
      const steps = p.fieldConfig?.defaults?.thresholds?.steps ?? [];
      expect(steps.length).toBeGreaterThan(0);
      expect(steps[0]!.value).toBeNull();
      const values = steps.slice(1).map((st) => st.value);
      expect(values.every((v, i) => typeof v === 'number' && (i === 0 || v > values[i - 1]!)), JSON.stringify(steps)).toBe(true);
      for (const st of steps) expect(st.color).toBeTruthy();
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const t of p.targets!) {
        expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(t.expr).toBeTruthy();
        // Every query honours the agent filters: job/instance/agent on raw series, agent on the carried ones (which keep
        // only the agent id); the fleet-wide sums (figures drawn over months) have no agent and say so.
        if (/:carried_sum\b/.test(t.expr!)) {
          expect(t.expr).not.toContain('$');
          expect(p.description).toContain('Whole fleet');
          continue;
        }
        expect(t.expr).toContain('service_instance_id=~"$agent"');
        const raw = t.expr!.replaceAll(/service_instance_id:\w+:\w+\{[^}]*\}/g, '');
        if (/\{/.test(raw)) {
          expect(t.expr).toContain('job=~"$job"');
          expect(t.expr).toContain('instance=~"$instance"');
        }
      }
    });

    it('never adds money across currencies', () => {
      const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
      for (const expr of exprs) {
        for (const m of expr.matchAll(/(\w+)(?: by \(([^)]*)\))? \((?:(?:increase|rate)\()?(?:\w+:)?quality_billing_(?:invoice_amount_cents|billed_time_seconds)_total/g)) {
          expect(m[2]?.split(', '), `${m[0]} in ${expr}`).toContain('currency');
        }
      }
    });

    it('computes every figure over the range, a day or 30 days exactly from the carried series, and says so', () => {
      // Figures: instant panels over $__range and the per-day / 30-day panels. Trends (titles with "trend", rolling windows) keep increase().
      const figures = panels.filter((p) => (p.targets ?? []).some((t) => /\$__range|offset 1d|offset 30d/.test(t.expr ?? '')));
      for (const p of figures) {
        for (const t of p.targets ?? []) {
          const expr = t.expr ?? '';
          if (expr.includes('resets(')) {
            expect(expr, p.title).toContain('service_instance_id:quality_billing_invoices_and_assessments:sum_carried');
            continue;
          }
          if (/\[\$__range\]/.test(expr) && !/quality_billing_/.test(expr)) continue; // agent self-metrics (Operations)
          // No raw business series at all: only the carried ones, looked up at both ends of the range.
          expect(expr, p.title).not.toMatch(/(?:increase|rate)\(quality_billing_/);
          expect(expr.replaceAll(/\w+:quality_billing_\w+:carried(?:_sum)?/g, ''), p.title).not.toMatch(/quality_billing_/);
          expect(expr, p.title).toMatch(
            /(?:service_instance_id:quality_billing_\w+:carried\{service_instance_id=~"\$agent"[^}]*\}|\w+:quality_billing_\w+:carried_sum(?:\{[^}]*\})?) offset (?:\$__range|1d|30d)\) or /,
          );
          expect(p.description, p.title).toContain('Exact:');
        }
      }
      if (d.uid !== 'qb-operations') expect(figures.length, d.uid).toBeGreaterThan(3);
    });
  });
});
