import { Injectable } from '@nestjs/common';
import { isUuid, UnitOfWork, type ConnectionValue, type KeysetArgs } from '@crm/platform';
import { DealRepository } from './deal.repository';
import type { Deal, StageChange } from './deal.types';

/** Batched reads of deals (DataLoaders, federation), each batch in one unit of work. */
@Injectable()
export class DealQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
  ) {}

  /** Deals by id, in the order asked; a malformed or unknown id is null (it never fails the batch). */
  async byIds(tenantId: string, ids: readonly string[]): Promise<(Deal | null)[]> {
    const valid = [...new Set(ids.map((i) => i.toLowerCase()).filter(isUuid))];
    const found = valid.length ? await this.uow.run(tenantId, (tx) => this.deals.byIds(tx, valid)) : [];
    const byId = new Map(found.map((d) => [d.id, d]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  byContacts(tenantId: string, contactIds: readonly string[], args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Deal>[]> {
    return this.uow.run(tenantId, (tx) => this.deals.pageByContacts(tx, contactIds, args, withTotal));
  }

  historyOf(tenantId: string, dealIds: readonly string[]): Promise<StageChange[][]> {
    return this.uow.run(tenantId, (tx) => this.deals.historyOf(tx, dealIds));
  }
}
