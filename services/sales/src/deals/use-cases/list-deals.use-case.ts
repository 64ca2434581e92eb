import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type RequestContext } from '@crm/platform';
import { zOptId } from '../../common/validate';
import { DealRepository } from '../deal.repository';
import { type Deal, type DealFilter, DealStatus } from '../deal.types';

/** A DealFilter checked (ids are UUIDs): the list's and the CSV export's. */
export const dealFilterSchema = z.object({
  status: z.enum(DealStatus).nullish(),
  ownerId: z.string().nullish(),
  teamId: zOptId('team id'),
  pipelineId: zOptId('pipeline id'),
  stageId: zOptId('stage id'),
  contactId: zOptId('contact id'),
  archived: z.boolean().nullish(),
});

@Injectable()
export class ListDeals {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
  ) {}

  /** Deals newest first, filtered; counted only when totalCount is asked for. */
  execute(ctx: RequestContext, filter: DealFilter, page: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Deal>> {
    const f = parseInput(dealFilterSchema, filter, 'filter');
    return this.uow.run(ctx.tenantId, (tx) => this.deals.list(tx, f, page, withTotal));
  }
}
