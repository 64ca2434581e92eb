import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { dealId, lockDeal } from '../deal-guards';
import { emitDealRestored } from '../deal.events';
import { DealRepository } from '../deal.repository';
import type { Deal } from '../deal.types';

/** Undoes ArchiveDeal: the deal is listed, reported and editable again. */
@Injectable()
export class RestoreDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<Deal> {
    const id = dealId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const d = await lockDeal(this.deals, tx, id);
      if (!d.archivedAt) throw conflict(`deal ${d.id} is not archived`, { dealId: d.id });
      const deal = await this.deals.setArchived(tx, d.id, null);
      await emitDealRestored(tx, deal, ctx.userId);
      return deal;
    });
  }
}
