import { Injectable } from '@nestjs/common';
import { badUserInput, invalidField, UnitOfWork, type ConnectionValue, type KeysetArgs, type RequestContext } from '@crm/platform';
import { fromDb, MINOR_UNITS, money, parseDateOnly, roundDiv } from '@crm/shared-kernel';
import { creditedTouches, paybackDate, roundCredit, splitMinor, type AttributionModelName } from '../attribution-model';
import { AttributionRepository, type Dims, type ReportTouchRow, type SpendListFilter } from '../attribution.repository';
import { AttributionModel, FunnelGroupBy, type AdSpend, type CampaignRoi, type FunnelRow, type KeywordRoi, type RoiFigures } from '../attribution.types';

export const DEFAULT_WINDOW_DAYS = 90;
export const MAX_WINDOW_DAYS = 3650;
/** A report spans at most this many days (it reads every conversion and touch of the period). */
export const MAX_REPORT_DAYS = 3660;

export const NO_SALES_NOTE =
  'No sales event (deal created or won, order placed) was ever received for this tenant: the sales module is not deployed or has recorded nothing yet, so revenue, customers, ROI and payback are unknown rather than zero.';

export interface ReportArgs {
  from: string;
  to: string;
  model?: AttributionModel | null;
  windowDays?: number | null;
  currency?: string | null;
}

interface Group<D> {
  dims: D;
  leads: number;
  customers: number;
  revenue: bigint;
  cost: bigint;
  revenueByDay: Map<string, bigint>;
  costByDay: Map<string, bigint>;
}

/** How a report groups touches and spend: the key and the dimensions it shows. */
interface Grouping<D> {
  ofTouch(t: ReportTouchRow): { key: string; dims: D };
  ofSpend(s: Dims): { key: string; dims: D };
  none: D;
}

const orNull = (s: string | null | undefined) => (s ? s : null);

const keywordGrouping: Grouping<Pick<KeywordRoi, 'source' | 'medium' | 'campaign' | 'keyword'>> = {
  ofTouch: (t) => keywordGrouping.ofSpend(t),
  ofSpend: (s) => ({
    key: JSON.stringify([s.source, s.medium, s.campaign, s.keyword]),
    dims: { source: orNull(s.source), medium: orNull(s.medium), campaign: orNull(s.campaign), keyword: orNull(s.keyword) },
  }),
  none: { source: null, medium: null, campaign: null, keyword: null },
};

/** A marketing campaign by its id; a UTM campaign (and spend) by its name. */
const campaignGrouping: Grouping<Pick<CampaignRoi, 'campaignId' | 'campaign'>> = {
  ofTouch: (t) => (t.campaign_id ? { key: `id:${t.campaign_id}`, dims: { campaignId: t.campaign_id, campaign: orNull(t.campaign) } } : campaignGrouping.ofSpend(t)),
  ofSpend: (s) => ({ key: `utm:${s.campaign}`, dims: { campaignId: null, campaign: orNull(s.campaign) } }),
  none: { campaignId: null, campaign: null },
};

const NONE_KEY = '∅';

/**
 * keywordRoi, campaignRoi and funnel. Reports read the projections in one unit of work and compute in
 * memory: a conversion's credit depends on its contact's touches in the window, which SQL would
 * express only with per-model window functions the payback then needs day by day anyway.
 */
@Injectable()
export class AttributionReports {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repo: AttributionRepository,
  ) {}

  /** Query.adSpend: the recorded rows, newest day first. */
  adSpend(ctx: RequestContext, f: SpendListFilter, page: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<AdSpend>> {
    if (f.from && f.to) period(f.from, f.to, 'filter.from', 'filter.to');
    return this.uow.run(ctx.tenantId, (tx) => this.repo.listSpend(tx, f, page, withTotal));
  }

  keywordRoi(ctx: RequestContext, a: ReportArgs): Promise<KeywordRoi[]> {
    return this.roi(ctx, a, keywordGrouping);
  }

  campaignRoi(ctx: RequestContext, a: ReportArgs): Promise<CampaignRoi[]> {
    return this.roi(ctx, a, campaignGrouping);
  }

  async funnel(ctx: RequestContext, a: { from: string; to: string; groupBy: FunnelGroupBy }): Promise<FunnelRow[]> {
    const { from, to } = period(a.from, a.to);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const available = await this.repo.salesSeen(tx);
      const rows = await this.repo.funnel(tx, from, to, a.groupBy === FunnelGroupBy.CAMPAIGN ? 'campaign' : 'source');
      const rate = (n: number | null, d: number | null) => (n === null || d === null || d === 0 ? null : roundCredit(n / d));
      return rows.map((r) => {
        const deals = available ? r.deals : null;
        const won = available ? r.won : null;
        return {
          source: a.groupBy === FunnelGroupBy.SOURCE ? orNull(r.source) : null,
          campaign: a.groupBy === FunnelGroupBy.CAMPAIGN ? orNull(r.campaign) : null,
          campaignId: r.campaign_id,
          leads: r.leads,
          mqls: r.mqls,
          deals,
          won,
          leadToMqlRate: rate(r.mqls, r.leads),
          mqlToDealRate: rate(deals, r.mqls),
          dealToWonRate: rate(won, deals),
          leadToWonRate: rate(won, r.leads),
          revenueAvailable: available,
          revenueNote: available ? null : NO_SALES_NOTE,
        };
      });
    });
  }

  private async roi<D>(ctx: RequestContext, a: ReportArgs, grouping: Grouping<D>): Promise<(D & RoiFigures)[]> {
    const { from, to } = period(a.from, a.to);
    const windowDays = a.windowDays ?? DEFAULT_WINDOW_DAYS;
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS) throw invalidField('windowDays', `must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}`);
    const wanted = a.currency == null ? null : a.currency.trim().toUpperCase();
    if (wanted !== null && MINOR_UNITS[wanted] === undefined) throw invalidField('currency', `"${wanted.slice(0, 10)}" is not a supported ISO 4217 currency code`);
    const model = (a.model ?? AttributionModel.LAST_TOUCH) as AttributionModelName;

    return this.uow.run(ctx.tenantId, async (tx) => {
      const available = await this.repo.salesSeen(tx);
      const spend = await this.repo.spendBetween(tx, from, to);
      const conversions = available ? await this.repo.conversionsBetween(tx, from, to) : [];
      const currency = chooseCurrency(wanted, [...spend.map((s) => s.currency), ...conversions.map((c) => c.currency)]);
      const leads = await this.repo.leadsBetween(tx, from, to);
      const touches = byContact(await this.repo.touchesForReport(tx, from, to, windowDays), grouping);

      const groups = new Map<string, Group<D>>();
      const group = (key: string, dims: D) => {
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { dims, leads: 0, customers: 0, revenue: 0n, cost: 0n, revenueByDay: new Map(), costByDay: new Map() }));
        return g;
      };
      const credit = (contactId: string, at: Date) => {
        const points = creditedTouches(touches.get(contactId) ?? [], at, windowDays, model);
        return points.length ? points.map((p) => p.group) : [{ key: NONE_KEY, dims: grouping.none }];
      };

      for (const s of spend) {
        if (s.currency !== currency) continue;
        const { key, dims } = grouping.ofSpend(s);
        const g = group(key, dims);
        const minor = fromDb(s.cost, s.currency);
        g.cost += minor;
        g.costByDay.set(s.day, (g.costByDay.get(s.day) ?? 0n) + minor);
      }
      for (const l of leads) {
        const credited = credit(l.contact_id, l.lead_at);
        for (const c of credited) group(c.key, c.dims).leads += 1 / credited.length;
      }
      const customers = new Set<string>();
      for (const c of conversions) {
        if (c.currency !== currency) continue;
        const credited = credit(c.contact_id, c.converted_at);
        const shares = splitMinor(fromDb(c.amount, c.currency), credited.length);
        const day = c.converted_at.toISOString().slice(0, 10);
        // A customer is counted once, at their first conversion of the period (conversions come oldest first).
        const firstOfContact = !customers.has(c.contact_id);
        customers.add(c.contact_id);
        credited.forEach((t, i) => {
          const g = group(t.key, t.dims);
          g.revenue += shares[i];
          g.revenueByDay.set(day, (g.revenueByDay.get(day) ?? 0n) + shares[i]);
          if (firstOfContact) g.customers += 1 / credited.length;
        });
      }

      const rows = [...groups.values()].map((g) => figures(g, currency, available));
      // Most revenue first, then most spend; what no touch explains last.
      return rows.sort((x, y) => x.noneLast - y.noneLast || compareMinor(y.revenueSort, x.revenueSort) || compareMinor(y.costSort, x.costSort)).map((r) => r.row);

      function figures(g: Group<D>, cur: string | null, salesKnown: boolean): { row: D & RoiFigures; revenueSort: bigint; costSort: bigint; noneLast: number } {
        const customersCredit = roundCredit(g.customers);
        const asMoney = (m: bigint) => (cur ? money(m, cur) : null);
        // Customers are a fraction under LINEAR: divided as millionths, so the cost stays exact BigInt minor units.
        const customerMillionths = BigInt(Math.round(g.customers * 1_000_000));
        const cpa = salesKnown && cur && g.cost > 0n && customerMillionths > 0n ? money(roundDiv(g.cost * 1_000_000n, customerMillionths), cur) : null;
        // Exact to 4 decimals, half away from zero, from the minor units (no float before the last step).
        const roi = salesKnown && g.cost > 0n ? Number(roundDiv((g.revenue - g.cost) * 10_000n, g.cost)) / 10_000 : null;
        return {
          row: {
            ...g.dims,
            currency: cur,
            leads: roundCredit(g.leads),
            customers: salesKnown ? customersCredit : null,
            revenue: salesKnown ? asMoney(g.revenue) : null,
            cost: asMoney(g.cost),
            costPerAcquisition: cpa,
            roi,
            paybackDate: salesKnown ? paybackDate(g.costByDay, g.revenueByDay) : null,
            revenueAvailable: salesKnown,
            revenueNote: salesKnown ? null : NO_SALES_NOTE,
          },
          revenueSort: g.revenue,
          costSort: g.cost,
          noneLast: g.dims === grouping.none ? 1 : 0,
        };
      }
    });
  }
}

const compareMinor = (a: bigint, b: bigint) => (a > b ? 1 : a < b ? -1 : 0);

/** A checked period (from ≤ to, at most MAX_REPORT_DAYS). */
export function period(fromIn: string, toIn: string, fromField = 'from', toField = 'to'): { from: string; to: string } {
  const from = parseDateOnly(fromIn, fromField);
  const to = parseDateOnly(toIn, toField);
  if (from > to) throw invalidField(toField, `must not be before ${fromField}`);
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > MAX_REPORT_DAYS) throw invalidField(toField, `a report spans at most ${MAX_REPORT_DAYS} days`);
  return { from, to };
}

/**
 * One currency per report, never a sum of several: without exchange rates a total across currencies
 * means nothing. Without `currency` the period's only currency is used; several are refused, naming them.
 */
function chooseCurrency(wanted: string | null, seen: string[]): string | null {
  if (wanted) return wanted;
  const distinct = [...new Set(seen)].sort();
  if (distinct.length > 1) {
    throw badUserInput(`currency: the period holds spend or revenue in ${distinct.join(', ')}; choose one with the currency argument (amounts are never converted)`, {
      fields: [{ field: 'currency', message: `required: the period holds ${distinct.join(', ')}` }],
    });
  }
  return distinct[0] ?? null;
}

/** Touches per contact, oldest first (as read), each with its report group worked out once. */
function byContact<D>(rows: ReportTouchRow[], grouping: Grouping<D>): Map<string, { at: Date; group: { key: string; dims: D } }[]> {
  const out = new Map<string, { at: Date; group: { key: string; dims: D } }[]>();
  const groups = new Map<string, { key: string; dims: D }>();
  for (const t of rows) {
    let g = grouping.ofTouch(t);
    // One dims object per group: rows share it instead of each touch carrying a copy.
    g = groups.get(g.key) ?? (groups.set(g.key, g), g);
    const list = out.get(t.contact_id);
    if (list) list.push({ at: new Date(t.at_ms), group: g });
    else out.set(t.contact_id, [{ at: new Date(t.at_ms), group: g }]);
  }
  return out;
}
