import { Injectable } from '@nestjs/common';
import { forbidden, hasPermission, invalidField, UnitOfWork, type RequestContext } from '@crm/platform';
import { fromDb, money } from '@crm/shared-kernel';
import { SalesPermission } from '../../permissions';
import { CommissionRepository } from '../commission.repository';
import type { CommissionStatement } from '../commission.types';

/**
 * Commission statements per owner and currency for earnings in [from, to] (dates, inclusive).
 * A sales rep sees their own; sales.team.read sees anyone's (FORBIDDEN otherwise).
 */
@Injectable()
export class CommissionStatements {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repo: CommissionRepository,
  ) {}

  async execute(ctx: RequestContext, from: string, to: string, ownerId?: string): Promise<CommissionStatement[]> {
    if (from > to) throw invalidField('to', `${to} is before from: ${from}`);
    const team = hasPermission(ctx, SalesPermission['team.read']);
    if (!team && ownerId && ownerId !== ctx.userId) throw forbidden(`ownerId: you may only see your own commissions (needs the permission sales.team.read)`);
    const owner = team ? (ownerId ?? null) : ctx.userId;
    const rows = await this.uow.run(ctx.tenantId, (tx) => this.repo.entries(tx, owner, from, to));
    const out = new Map<string, CommissionStatement & { b: bigint; t: bigint }>();
    for (const r of rows) {
      const c = r.currency;
      const key = `${r.owner_id}\u0000${c}`;
      let s = out.get(key);
      if (!s) out.set(key, (s = { ownerId: r.owner_id, currency: c, basis: money(0n, c), total: money(0n, c), entries: [], b: 0n, t: 0n }));
      const basis = fromDb(r.basis, c);
      const commission = fromDb(r.commission, c);
      s.b += basis;
      s.t += commission;
      s.entries.push({
        id: r.id, ruleId: r.rule_id, sourceKind: r.source_kind, sourceId: r.source_id, lineId: r.line_id, period: r.period,
        basis: money(basis, c), commission: money(commission, c), earnedAt: r.earned_at, reversalOf: r.reversal_of,
      });
    }
    return [...out.values()].map(({ b, t, ...s }) => ({ ...s, basis: money(b, s.currency), total: money(t, s.currency) }));
  }
}
