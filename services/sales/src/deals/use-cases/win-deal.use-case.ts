import { Injectable } from '@nestjs/common';
import { UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { CommissionsService } from '../../commissions/commissions.service';
import { assertMayClose, assertOpen, dealId, lockDeal } from '../deal-guards';
import { emitDealWon } from '../deal.events';
import { DealRepository } from '../deal.repository';
import type { Deal } from '../deal.types';

@Injectable()
export class WinDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
    private readonly commissions: CommissionsService,
  ) {}

  /** Marks an open deal won; its commissions are earned in the same transaction. */
  async execute(ctx: RequestContext, rawId: string): Promise<Deal> {
    const id = dealId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => this.win(tx, ctx, await lockDeal(this.deals, tx, id)));
  }

  /**
   * Wins `d` (locked, or created, in `tx`) in the caller's transaction: the status, the commissions
   * (dated `at`, the close) and deal.won. `at` defaults to now; the deals import passes the close
   * date of a deal won in another CRM, so its commission lands in the period it was won.
   */
  async win(tx: Tx, ctx: RequestContext, d: Deal, at?: Date): Promise<Deal> {
    assertMayClose(ctx, d);
    assertOpen(d, 'won');
    const deal = await this.deals.markWon(tx, d.id, at);
    await this.commissions.onDealWon(tx, deal);
    await emitDealWon(tx, deal, ctx.userId);
    return deal;
  }
}
