import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { formatMinor, fromDb, parseQuantity, toMinor, type Money } from '@crm/shared-kernel';
import type { Order } from '../quotes/quote.types';
import { fixedCommission, percentageCommission, pickRule } from './commission-math';
import { CommissionRepository } from './commission.repository';
import { toActiveRule, type ActiveRule } from './commission.rules';
import { CommissionBasis, CommissionKind } from './commission.types';

/** What earning on a won deal needs of it. */
export interface WonDeal {
  id: string;
  ownerId: string;
  amount: Money;
  closedAt: Date | null;
}

/** An earned entry and the negative entry that took it back. */
export interface ReversedCommission {
  entryId: string;
  reversalEntryId: string;
  ownerId: string;
  commission: Money;
}

/** "YYYY-MM" of a timestamp (UTC): the commission period. */
const periodOf = (d: Date) => d.toISOString().slice(0, 7);

/**
 * Earning commissions. Called inside the transaction that wins the deal or marks the order paid
 * (so a statement never misses an entry), once per deal, per order line, or per order for a fixed
 * rule without a product.
 */
@Injectable()
export class CommissionsService {
  constructor(private readonly repo: CommissionRepository) {}

  async onDealWon(tx: Tx, deal: WonDeal): Promise<void> {
    const currency = deal.amount.currency;
    const rule = pickRule((await this.repo.activeRules(tx, CommissionBasis.DEALS, currency)).map(toActiveRule), deal.ownerId, null);
    if (!rule) return;
    await this.repo.lockOwner(tx, deal.ownerId);
    const basis = toMinor(deal.amount.amount, currency, 'amount');
    await this.earn(tx, { rule, ownerId: deal.ownerId, sourceKind: 'deal', sourceId: deal.id, lineId: null, currency, basis, at: new Date(deal.closedAt ?? Date.now()) });
  }

  /**
   * A won deal was reopened: each commission it earned is reversed by a negative entry dated `at`
   * (in that period), never deleted — statements already issued stay true, and the period of the
   * reopen shows the take-back. Returns the pairs (original, reversal).
   */
  async onDealReopened(tx: Tx, dealId: string, at: Date): Promise<ReversedCommission[]> {
    const entries = await this.repo.unreversedOf(tx, 'deal', dealId);
    const out: ReversedCommission[] = [];
    for (const e of entries) {
      await this.repo.lockOwner(tx, e.owner_id);
      const r = await this.repo.reverse(tx, e, randomUUID(), at, periodOf(at));
      out.push({ entryId: e.id, reversalEntryId: r.id, ownerId: e.owner_id, commission: { amount: r.commission, currency: r.currency } });
    }
    return out;
  }

  /**
   * Per line, the most specific rule applies. A percentage rule earns on each line's net; a fixed
   * rule for a product earns per unit on its lines; a fixed rule without a product earns its amount
   * once per order (one entry with line_id NULL, on the net of the lines it covered), however many
   * lines the order has.
   */
  async onOrderPaid(tx: Tx, order: Order): Promise<void> {
    const rules = (await this.repo.activeRules(tx, CommissionBasis.ORDERS, order.currency)).map(toActiveRule);
    if (!rules.length) return;
    await this.repo.lockOwner(tx, order.ownerId);
    const at = new Date(order.paidAt ?? Date.now());
    const base = { ownerId: order.ownerId, sourceKind: 'order' as const, sourceId: order.id, currency: order.currency, at };
    const perOrder = new Map<string, { rule: ActiveRule; basis: bigint }>();
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
      await this.earn(tx, { ...base, rule, lineId: line.id, basis: net, quantity: parseQuantity(line.quantity, 'quantity') });
    }
    for (const { rule, basis } of perOrder.values()) await this.earn(tx, { ...base, rule, lineId: null, basis });
  }

  private async earn(
    tx: Tx,
    o: { rule: ActiveRule; ownerId: string; sourceKind: 'deal' | 'order'; sourceId: string; lineId: string | null; currency: string; basis: bigint; quantity?: bigint; at: Date },
  ): Promise<void> {
    const period = periodOf(o.at);
    let commission: bigint;
    if (o.rule.kind === CommissionKind.FIXED) {
      commission = fixedCommission(o.rule.fixed!, o.rule.productId ? o.quantity : undefined);
    } else {
      const before = o.rule.tiers.length ? fromDb(await this.repo.basisSoFar(tx, o.rule.id, o.ownerId, period, o.currency), o.currency) : 0n;
      commission = percentageCommission(o.basis, o.rule.ratePpm ?? 0n, o.rule.tiers, before);
    }
    await this.repo.insertEntry(tx, {
      id: randomUUID(), ruleId: o.rule.id, ownerId: o.ownerId, sourceKind: o.sourceKind, sourceId: o.sourceId, lineId: o.lineId, period, currency: o.currency,
      basis: formatMinor(o.basis, o.currency), commission: formatMinor(commission, o.currency), earnedAt: o.at,
    });
  }
}
