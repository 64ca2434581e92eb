import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ServiceMetrics } from '@crm/platform';
import { GatewayMetrics } from '@crm/gateway';

// The checked-in alert rules and dashboard must only name metrics the services and the gateway
// export: a renamed metric otherwise silently turns an alert off.
const dir = join(__dirname, '../../../infra/observability');
const rules = parse(readFileSync(join(dir, 'prometheus-alerts.yaml'), 'utf8')) as { groups: { name: string; rules: Record<string, any>[] }[] };
const dashboard = JSON.parse(readFileSync(join(dir, 'grafana-dashboard.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };

async function exportedSeries(): Promise<Set<string>> {
  const names = new Set<string>();
  const add = (m: { name: string; type: unknown }) => {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  };
  for (const m of await new ServiceMetrics('observability-spec').registry.getMetricsAsJSON()) add(m);
  for (const m of await new GatewayMetrics().registry.getMetricsAsJSON()) add(m);
  return names;
}

const metricsIn = (expr: string) => [...new Set(expr.match(/\bcrm_[a-z0-9_]+/g) ?? [])];

describe('infra/observability', () => {
  it('every alert is complete and names only exported metrics', async () => {
    const exported = await exportedSeries();
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThan(5);
    for (const r of all) {
      expect(r).toMatchObject({ alert: expect.any(String), expr: expect.any(String), labels: { severity: expect.stringMatching(/^(warning|critical)$/) }, annotations: { summary: expect.any(String) } });
      const used = metricsIn(r.expr);
      expect(used.length).toBeGreaterThan(0);
      expect({ alert: r.alert, unknown: used.filter((m) => !exported.has(m)) }).toEqual({ alert: r.alert, unknown: [] });
    }
  });

  it('every dashboard panel queries only exported metrics', async () => {
    const exported = await exportedSeries();
    const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(targets.length).toBeGreaterThan(5);
    for (const t of targets) expect({ panel: t.panel, unknown: metricsIn(t.expr).filter((m) => !exported.has(m)) }).toEqual({ panel: t.panel, unknown: [] });
  });

  it('covers what operators must see: outbox backlog and age, consumer lag, dead letters, latency and errors', () => {
    const exprs = [...rules.groups.flatMap((g) => g.rules.map((r) => r.expr as string)), ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))].join('\n');
    for (const m of ['crm_outbox_backlog', 'crm_outbox_oldest_age_seconds', 'crm_consumer_lag', 'dead_lettered', 'crm_gateway_graphql_request_duration_seconds_bucket', 'crm_gateway_graphql_errors_total']) {
      expect(exprs).toContain(m);
    }
  });
});
