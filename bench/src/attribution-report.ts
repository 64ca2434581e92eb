/**
 * keywordRoi / campaignRoi / funnel over a year of data: spend per day for `keywords` keywords, `leads`
 * contacts with 1–4 touches each (forms and campaign messages) and a conversion for every 4th, written
 * straight into the projections (what the event consumers would have built). Times each report through
 * the subgraph (HTTP + GraphQL + the reads + the in-memory crediting). Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/attribution-report.ts [leads] [keywords] [rounds]
 */
import { marketingService } from '@crm/marketing';
import { startService } from '@crm/platform';
import { adminQuery, freshSchema, serviceTestEnv, subgraphClient, uniqueId } from '@crm/testing';
import { env, summary } from './stats';

async function main() {
  env('DATABASE_URL');
  const leads = Number(process.argv[2] ?? 50000);
  const keywords = Number(process.argv[3] ?? 50);
  const rounds = Number(process.argv[4] ?? 5);
  const fresh = await freshSchema('bench_attr');
  const svc = await startService(marketingService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('attr')}.`), LOG_LEVEL: 'warn' } });
  const s = `"${fresh.schema}"`;
  const t = 'bench';
  await adminQuery(
    `INSERT INTO ${s}.ad_spend (id, tenant_id, day, source, medium, campaign, keyword, cost, currency, recorded_by)
     SELECT gen_random_uuid(), $1, d, 'google', 'cpc', 'c' || (k % 5), 'kw' || k, 10 + k, 'EUR', 'bench'
       FROM generate_series(date '2026-01-01', date '2026-12-31', interval '1 day') d, generate_series(1, $2) k`,
    [t, keywords],
  );
  await adminQuery(
    `WITH c AS (SELECT i, gen_random_uuid() AS id, timestamptz '2026-01-01' + (i % 330) * interval '1 day' AS at FROM generate_series(1, $2) i)
     , l AS (INSERT INTO ${s}.leads (tenant_id, contact_id, lead_at, mql_at) SELECT $1, id, at, CASE WHEN i % 3 = 0 THEN at + interval '2 days' END FROM c RETURNING 1)
     , tt AS (INSERT INTO ${s}.touches (tenant_id, touch_key, contact_id, kind, touched_at, source, medium, campaign, keyword)
              SELECT $1, 'form:' || c.id || ':' || n, c.id, 'form', c.at + n * interval '3 days', 'google', 'cpc', 'c' || ((c.i + n) % 5), 'kw' || (1 + (c.i * 7 + n) % $3)
                FROM c, generate_series(0, 3) n WHERE n <= c.i % 4 RETURNING 1)
     INSERT INTO ${s}.sales_conversions (tenant_id, kind, source_id, contact_id, amount, currency, converted_at)
     SELECT $1, 'deal_won', gen_random_uuid(), c.id, 100 + c.i % 900, 'EUR', c.at + interval '20 days' FROM c WHERE c.i % 4 = 0`,
    [t, leads, keywords],
  );
  await adminQuery(`INSERT INTO ${s}.sales_seen VALUES ($1, now())`, [t]);
  await adminQuery(`ANALYZE ${s}.touches; ANALYZE ${s}.leads; ANALYZE ${s}.sales_conversions; ANALYZE ${s}.ad_spend`);
  const gql = subgraphClient(svc.url, { tenantId: t, userId: 'bench', roles: ['admin'] });
  const time = async (q: string) => {
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      const res = await gql(q);
      if (res.errors?.length) throw new Error(JSON.stringify(res.errors));
      samples.push(+(performance.now() - started).toFixed(1));
    }
    return summary(samples);
  };
  const year = 'from: "2026-01-01", to: "2026-12-31"';
  const out = {
    bench: 'attribution reports over one year',
    leads, conversions: Math.floor(leads / 4), keywords, spendRows: keywords * 365,
    keywordRoiLinearMs: await time(`{ keywordRoi(${year}, model: LINEAR) { keyword revenue { amount } paybackDate } }`),
    keywordRoiFirstTouchMs: await time(`{ keywordRoi(${year}, model: FIRST_TOUCH) { keyword revenue { amount } paybackDate } }`),
    campaignRoiMs: await time(`{ campaignRoi(${year}) { campaign revenue { amount } } }`),
    funnelMs: await time(`{ leadFunnel(${year}) { source leads won } }`),
  };
  console.log(JSON.stringify(out));
  await svc.stop();
  await fresh.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
