import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@crm/platform';
import { PriceListRepository } from './price-list.repository';
import { ProductRepository, toProduct } from './product.repository';
import type { PriceList, Product } from './product.types';

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

  priceLists(tenantId: string): Promise<PriceList[]> {
    return this.uow.run(tenantId, (tx) => this.lists.all(tx));
  }
}
