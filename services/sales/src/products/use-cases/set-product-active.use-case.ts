import { Injectable } from '@nestjs/common';
import { conflict, notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { ProductRepository, toProduct } from '../product.repository';
import { emitProductUpserted } from '../products.events';
import type { Product } from '../product.types';
import { productId } from './update-product.use-case';

/**
 * Deactivates (active false) or reactivates a product. An inactive product cannot be put on a new
 * quote or order; documents that have it keep it. product.upserted carries the new state.
 */
@Injectable()
export class SetProductActive {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly products: ProductRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string, active: boolean): Promise<Product> {
    const id = productId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const current = await this.products.lock(tx, id);
      if (!current) throw notFound(`product ${id} does not exist`);
      if (current.active === active) throw conflict(`product ${current.sku} is already ${active ? 'active' : 'inactive'}`, { productId: id });
      const product = toProduct(await this.products.update(tx, id, { active }));
      await emitProductUpserted(tx, ctx, product);
      return product;
    });
  }
}
