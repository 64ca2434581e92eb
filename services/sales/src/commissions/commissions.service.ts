import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { CommissionRuleCreatedV1 } from '@crm/events';
import { badUserInput, EventPublisher, forbidden, withTenant, type RequestContext, hasPermission } from '@crm/platform';
import { currencyOf, formatMinor, formatPercent, fromDb, money, parsePercent, parseQuantity, toMinor } from '../common/money';
import { SalesPermission } from '../permissions';
import { optionalId, optionalText, periodOf, requireRange, requireText } from '../common/validate';
import type { Deal } from '../deals/deal.types';
import type { Order } from '../quotes/quote.types';
import { fixedCommission, percentageCommission, pickRule, type Tier, validateTiers } from './commission-math';
import { CommissionBasis, CommissionKind, type CommissionRule, type CommissionStatement, type CreateCommissionRuleInput } from './commission.types';

interface RuleRow {
  id: string;
  ownerId: string | null;
  productId: string | null;
  kind: CommissionKind;
  currency: string | null;
  ratePpm: bigint | null;
  fixed: bigint | null;
  tiers: Tier[];
}

function toRuleRow(r: any): RuleRow {
  const currency = r.fixed_currency ? r.fixed_currency.trim() : null;
  return {
    id: r.id,
    ownerId: r.owner_id,
    productId: r.product_id,
    kind: r.kind,
    currency,
    ratePpm: r.rate == null ? null : parsePercent(String(r.rate), 'rate'),
    fixed: r.fixed_amount == null ? null : fromDb(r.fixed_amount, currency!),
    tiers: (r.tiers as { from: string; rate: string }[]).map((t) => ({ from: fromDb(t.from, currency!), ratePpm: parsePercent(t.rate, 'rate') })),
  };
}

function toRule(r: any): CommissionRule {
  const currency = r.fixed_currency ? r.fixed_currency.trim() : null;
  return {
    id: r.id, name: r.name, ownerId: r.owner_id, productId: r.product_id, appliesTo: r.applies_to, kind: r.kind, currency,
    rate: r.rate == null ? null : formatPercent(parsePercent(String(r.rate), 'rate')),
    fixedAmount: r.fixed_amount == null ? null : money(fromDb(r.fixed_amount, currency!), currency!),
    tiers: r.tiers, active: r.active,
  };
}

/**
 * Commission rules and the entries they earn. Entries are written in the transaction that wins the
 * deal or marks the order paid (so a statement never misses one), once per deal, per order line, or
 * per order for a fixed rule without a product.
 */
@Injectable()
export class CommissionsService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
  ) {}

  async createRule(ctx: RequestContext, input: CreateCommissionRuleInput): Promise<CommissionRule> {
    const name = requireText(input.name, 'input.name', 200);
    const ownerId = optionalText(input.ownerId, 'input.ownerId', 200);
    const productId = optionalId(input.productId, 'input.productId', 'product id');
    if (productId && input.appliesTo !== CommissionBasis.ORDERS) throw badUserInput('input.productId: product rules apply to ORDERS (deals have no products)', { field: 'input.productId' });
    let currency = input.currency ? currencyOf(input.currency, 'input.currency') : null;
    let rate: string | null = null;
    let fixed: string | null = null;
    let tiers: { from: string; rate: string }[] = [];
    if (input.kind === CommissionKind.PERCENTAGE) {
      if (input.fixedAmount) throw badUserInput('input.fixedAmount: only for FIXED rules', { field: 'input.fixedAmount' });
      if (input.tiers?.length) {
        if (!currency) throw badUserInput('input.currency: tiers need the currency their amounts are in', { field: 'input.currency' });
        const parsed = input.tiers.map((t, i) => ({ from: toMinor(t.from, currency!, `input.tiers.${i}.from`), ratePpm: parsePercent(t.rate, `input.tiers.${i}.rate`) }));
        validateTiers(parsed, 'input.tiers');
        tiers = parsed.map((t) => ({ from: formatMinor(t.from, currency!), rate: formatPercent(t.ratePpm) }));
        if (input.rate != null) throw badUserInput('input.rate: give rate or tiers, not both', { field: 'input.rate' });
      } else {
        if (input.rate == null) throw badUserInput('input.rate: required for a PERCENTAGE rule without tiers', { field: 'input.rate' });
        rate = formatPercent(parsePercent(input.rate, 'input.rate'));
      }
    } else {
      if (!input.fixedAmount) throw badUserInput('input.fixedAmount: required for a FIXED rule', { field: 'input.fixedAmount' });
      if (input.rate != null || input.tiers?.length) throw badUserInput('input.rate: FIXED rules have no rate or tiers', { field: 'input.rate' });
      const c = currencyOf(input.fixedAmount.currency, 'input.fixedAmount.currency');
      if (currency && currency !== c) throw badUserInput(`input.currency: ${currency} differs from input.fixedAmount.currency ${c}`, { field: 'input.currency' });
      currency = c;
      fixed = formatMinor(toMinor(input.fixedAmount.amount, c, 'input.fixedAmount.amount'), c);
    }
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      if (productId) {
        const [p] = await m.query(`SELECT 1 FROM products WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, productId]);
        if (!p) throw badUserInput(`input.productId: product ${productId} does not exist`, { field: 'input.productId' });
      }
      const [row] = await m.query(
        `INSERT INTO commission_rules (id, tenant_id, name, owner_id, product_id, applies_to, kind, rate, fixed_amount, fixed_currency, tiers, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
        [randomUUID(), ctx.tenantId, name, ownerId, productId, input.appliesTo, input.kind, rate, fixed, currency, JSON.stringify(tiers), ctx.userId],
      );
      const rule = toRule(row);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: CommissionRuleCreatedV1.type,
          subject: rule.id,
          data: {
            ruleId: rule.id, name: rule.name, ownerId: rule.ownerId, productId: rule.productId, appliesTo: rule.appliesTo, kind: rule.kind, rate: rule.rate,
            fixedAmount: rule.fixedAmount, currency: rule.currency, tiers: rule.tiers, createdBy: ctx.userId,
          },
        },
      ]);
      return rule;
    });
  }

  async rules(tenantId: string): Promise<CommissionRule[]> {
    return withTenant(this.ds, tenantId, async (m) => (await m.query(`SELECT * FROM commission_rules WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])).map(toRule));
  }

  private async activeRules(m: EntityManager, tenantId: string, basis: CommissionBasis, currency: string): Promise<RuleRow[]> {
    const rows = await m.query(`SELECT * FROM commission_rules WHERE tenant_id = $1 AND active AND applies_to = $2 AND (fixed_currency IS NULL OR fixed_currency = $3)`, [tenantId, basis, currency]);
    return rows.map(toRuleRow);
  }

  private async earn(
    m: EntityManager,
    tenantId: string,
    o: { rule: RuleRow; ownerId: string; sourceKind: 'deal' | 'order'; sourceId: string; lineId: string | null; currency: string; basis: bigint; quantity?: bigint; at: Date },
  ) {
    const period = periodOf(o.at);
    let commission: bigint;
    if (o.rule.kind === CommissionKind.FIXED) {
      commission = fixedCommission(o.rule.fixed!, o.rule.productId ? o.quantity : undefined);
    } else {
      let before = 0n;
      if (o.rule.tiers.length) {
        const [{ s }] = await m.query(
          `SELECT coalesce(sum(basis), 0)::text AS s FROM commission_entries WHERE tenant_id = $1 AND rule_id = $2 AND owner_id = $3 AND period = $4 AND currency = $5`,
          [tenantId, o.rule.id, o.ownerId, period, o.currency],
        );
        before = fromDb(s, o.currency);
      }
      commission = percentageCommission(o.basis, o.rule.ratePpm ?? 0n, o.rule.tiers, before);
    }
    await m.query(
      `INSERT INTO commission_entries (id, tenant_id, rule_id, owner_id, source_kind, source_id, line_id, period, currency, basis, commission, earned_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
      [randomUUID(), tenantId, o.rule.id, o.ownerId, o.sourceKind, o.sourceId, o.lineId, period, o.currency, formatMinor(o.basis, o.currency), formatMinor(commission, o.currency), o.at],
    );
  }

  /** Tiers depend on what the owner earned before in the period: serialise per owner. */
  private lockOwner(m: EntityManager, tenantId: string, ownerId: string) {
    return m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`sales.commission:${tenantId}:${ownerId}`]);
  }

  async onDealWon(m: EntityManager, tenantId: string, deal: Deal): Promise<void> {
    const currency = deal.amount.currency;
    const rule = pickRule(await this.activeRules(m, tenantId, CommissionBasis.DEALS, currency), deal.ownerId, null);
    if (!rule) return;
    await this.lockOwner(m, tenantId, deal.ownerId);
    const basis = toMinor(deal.amount.amount, currency, 'amount');
    await this.earn(m, tenantId, { rule, ownerId: deal.ownerId, sourceKind: 'deal', sourceId: deal.id, lineId: null, currency, basis, at: new Date(deal.closedAt ?? Date.now()) });
  }

  /**
   * Per line, the most specific rule applies. A percentage rule earns on each line's net; a fixed
   * rule for a product earns per unit on its lines; a fixed rule without a product earns its amount
   * once per order (one entry with line_id NULL, on the net of the lines it covered), however many
   * lines the order has.
   */
  async onOrderPaid(m: EntityManager, tenantId: string, order: Order): Promise<void> {
    const rules = await this.activeRules(m, tenantId, CommissionBasis.ORDERS, order.currency);
    if (!rules.length) return;
    await this.lockOwner(m, tenantId, order.ownerId);
    const at = new Date(order.paidAt ?? Date.now());
    const base = { ownerId: order.ownerId, sourceKind: 'order' as const, sourceId: order.id, currency: order.currency, at };
    const perOrder = new Map<string, { rule: RuleRow; basis: bigint }>();
    for (const line of order.lines) {
      const rule = pickRule(rules, order.ownerId, line.productId);
      if (!rule) continue;
      const net = toMinor(line.net.amount, order.currency, 'net');
      if (rule.kind === CommissionKind.FIXED && !rule.productId) {
        const o = perOrder.get(rule.id) ?? { rule, basis: 0n };
        o.basis += net;
        perOrder.set(rule.id, o);
        continue;
      }
      await this.earn(m, tenantId, { ...base, rule, lineId: line.id, basis: net, quantity: parseQuantity(line.quantity, 'quantity') });
    }
    for (const { rule, basis } of perOrder.values()) await this.earn(m, tenantId, { ...base, rule, lineId: null, basis });
  }

  /**
   * Commission statements per owner and currency for earnings in [from, to] (dates, inclusive).
   * A sales rep sees their own; admin / manager see anyone's (FORBIDDEN otherwise).
   */
  async statements(ctx: RequestContext, from: string, to: string, ownerId?: string): Promise<CommissionStatement[]> {
    requireRange(from, to);
    const manager = hasPermission(ctx, SalesPermission['team.read']);
    if (!manager && ownerId && ownerId !== ctx.userId) throw forbidden(`ownerId: you may only see your own commissions (needs the permission sales.team.read)`);
    const owner = manager ? (ownerId ?? null) : ctx.userId;
    const rows = await withTenant(this.ds, ctx.tenantId, (m) =>
      m.query(
        `SELECT * FROM commission_entries WHERE tenant_id = $1 AND ($2::text IS NULL OR owner_id = $2)
           AND earned_at >= $3::date AND earned_at < ($4::date + 1) ORDER BY owner_id, currency, earned_at, id`,
        [ctx.tenantId, owner, from, to],
      ),
    );
    const out = new Map<string, CommissionStatement & { b: bigint; t: bigint }>();
    for (const r of rows) {
      const c = r.currency.trim();
      const key = `${r.owner_id}\u0000${c}`;
      let s = out.get(key);
      if (!s) out.set(key, (s = { ownerId: r.owner_id, currency: c, basis: money(0n, c), total: money(0n, c), entries: [], b: 0n, t: 0n }));
      const basis = fromDb(r.basis, c);
      const commission = fromDb(r.commission, c);
      s.b += basis;
      s.t += commission;
      s.entries.push({
        id: r.id, ruleId: r.rule_id, sourceKind: r.source_kind, sourceId: r.source_id, lineId: r.line_id, period: r.period,
        basis: money(basis, c), commission: money(commission, c), earnedAt: r.earned_at,
      });
    }
    return [...out.values()].map(({ b, t, ...s }) => ({ ...s, basis: money(b, s.currency), total: money(t, s.currency) }));
  }
}
