import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { CommissionsService, type ReversedCommission } from '../../commissions/commissions.service';
import { PipelineRepository } from '../../pipelines/pipeline.repository';
import { assertMayClose, assertNotArchived, dealId, lockDeal } from '../deal-guards';
import { emitDealReopened } from '../deal.events';
import { DealRepository } from '../deal.repository';
import { type Deal, DealStatus } from '../deal.types';

@Injectable()
export class ReopenDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
    private readonly pipelines: PipelineRepository,
    private readonly commissions: CommissionsService,
  ) {}

  /**
   * Opens a won or lost deal again, in the stage it was closed from (or, if that stage was archived
   * since, the first stage of its pipeline, recorded in its stage history). The commissions its win
   * earned are reversed by ledger entries in the same transaction. Same rights as closing it.
   */
  async execute(ctx: RequestContext, rawId: string): Promise<Deal> {
    const id = dealId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const d = await lockDeal(this.deals, tx, id);
      assertMayClose(ctx, d);
      assertNotArchived(d, 'reopened');
      if (d.status === DealStatus.OPEN) throw conflict(`deal ${d.id} is open; only a won or lost deal can be reopened`, { dealId: d.id, status: d.status });
      const previous = d.status === DealStatus.WON ? 'won' : 'lost';
      let stageId = d.stageId;
      const own = await this.pipelines.stageForDeal(tx, d.stageId);
      if (own?.archived_at) {
        stageId = (await this.pipelines.firstStage(tx, d.pipelineId)).id;
        await this.deals.recordStage(tx, { dealId: d.id, pipelineId: d.pipelineId, fromStageId: d.stageId, toStageId: stageId, movedBy: ctx.userId });
      }
      const at = new Date();
      const deal = await this.deals.markReopened(tx, d.id, stageId);
      const reversed: ReversedCommission[] = previous === 'won' ? await this.commissions.onDealReopened(tx, d.id, at) : [];
      await emitDealReopened(tx, deal, previous, reversed, ctx.userId, at);
      return deal;
    });
  }
}
