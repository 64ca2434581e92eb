import { Injectable } from '@nestjs/common';
import { parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { zText } from '../../common/validate';
import { assertMayClose, assertOpen, dealId, lockDeal } from '../deal-guards';
import { emitDealLost } from '../deal.events';
import { DealRepository } from '../deal.repository';
import type { Deal } from '../deal.types';

/** A lost reason as losing a deal takes it (trimmed, 1 to 500 characters), or BAD_USER_INPUT naming `field`. */
export const lostReason = (raw: unknown, field: string): string => parseInput(zText(500), raw, field);

@Injectable()
export class LoseDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string, rawReason: string): Promise<Deal> {
    const reason = lostReason(rawReason, 'reason');
    const id = dealId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => this.lose(tx, ctx, await lockDeal(this.deals, tx, id), reason));
  }

  /** Loses `d` (locked, or created, in `tx`) in the caller's transaction, closed at `at` (default now: see WinDeal.win). `reason` is checked already. */
  async lose(tx: Tx, ctx: RequestContext, d: Deal, reason: string, at?: Date): Promise<Deal> {
    assertMayClose(ctx, d);
    assertOpen(d, 'lost');
    const deal = await this.deals.markLost(tx, d.id, reason, at);
    await emitDealLost(tx, deal, reason, ctx.userId);
    return deal;
  }
}
