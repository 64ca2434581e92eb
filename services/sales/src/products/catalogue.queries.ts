import { Injectable } from '@nestjs/common';
import { isUuid, UnitOfWork } from '@crm/platform';
import { fromDb, money } from '@crm/shared-kernel';
import { PriceListRepository } from './price-list.repository';
import { ProductRepository, toProduct } from './product.repository';
import type { PriceChange, PriceList, Product } from './product.types';

/** Reads of the catalogue (configuration a quote form reads whole). */
@Injectable()
export class CatalogueQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly productRepo: ProductRepository,
    private readonly lists: PriceListRepository,
  ) {}

  products(tenantId: string): Promise<Product[]> {
    return this.uow.run(tenantId, async (tx) => (await this.productRepo.all(tx)).map(toProduct));
  }

  /** Every price set for a product in a list; a malformed or unknown id names nothing: empty. */
  async priceHistory(tenantId: string, listId: string, productId: string): Promise<PriceChange[]> {
    if (!isUuid(listId) || !isUuid(productId)) return [];
    return this.uow.run(tenantId, async (tx) => {
      const list = await this.lists.byId(tx, listId.toLowerCase());
      if (!list) return [];
      const rows = await this.lists.history(tx, list.id, productId.toLowerCase());
      return rows.map((r) => ({ unitPrice: money(fromDb(r.unit_price, list.currency), list.currency), effectiveFrom: r.effective_from, setBy: r.set_by, setAt: r.set_at }));
    });
  }

  priceLists(tenantId: string): Promise<PriceList[]> {
    return this.uow.run(tenantId, (tx) => this.lists.all(tx));
  }
}
