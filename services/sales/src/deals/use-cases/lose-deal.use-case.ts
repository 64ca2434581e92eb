import { Injectable } from '@nestjs/common';
import { parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { zText } from '../../common/validate';
import { assertMayClose, assertOpen, dealId, lockDeal } from '../deal-guards';
import { emitDealLost } from '../deal.events';
import { DealRepository } from '../deal.repository';
import type { Deal } from '../deal.types';

@Injectable()
export class LoseDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string, rawReason: string): Promise<Deal> {
    const reason = parseInput(zText(500), rawReason, 'reason');
    const id = dealId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const d = await lockDeal(this.deals, tx, id);
      assertMayClose(ctx, d);
      assertOpen(d, 'lost');
      const deal = await this.deals.markLost(tx, d.id, reason);
      await emitDealLost(tx, deal, reason, ctx.userId);
      return deal;
    });
  }
}
