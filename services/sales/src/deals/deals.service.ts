import { Injectable } from '@nestjs/common';
import type { Deal } from './deal.types';
import { DealQueries } from './deal.queries';

/**
 * Compatibility for callers outside the deals context that still use the old service (the quotes
 * and orders resolvers' Quote.deal / Order.deal loaders); to be replaced by DealQueries.byIds.
 */
@Injectable()
export class DealsService {
  constructor(private readonly queries: DealQueries) {}

  getMany(tenantId: string, ids: readonly string[]): Promise<(Deal | null)[]> {
    return this.queries.byIds(tenantId, ids);
  }
}
