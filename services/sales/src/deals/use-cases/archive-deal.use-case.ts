import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { dealId, lockDeal } from '../deal-guards';
import { emitDealArchived } from '../deal.events';
import { DealRepository } from '../deal.repository';
import type { Deal } from '../deal.types';

/** Soft delete: an archived deal leaves lists and reports and is frozen, but is kept whole (history, quotes, commissions). */
@Injectable()
export class ArchiveDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<Deal> {
    const id = dealId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const d = await lockDeal(this.deals, tx, id);
      if (d.archivedAt) throw conflict(`deal ${d.id} is already archived`, { dealId: d.id });
      const deal = await this.deals.setArchived(tx, d.id, ctx.userId);
      await emitDealArchived(tx, deal, ctx.userId);
      return deal;
    });
  }
}
