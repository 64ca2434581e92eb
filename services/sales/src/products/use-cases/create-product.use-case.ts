import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, conflictOnUnique, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { formatPercent, optionalTextField, parsePercent, textField } from '@crm/shared-kernel';
import { ProductRepository, toProduct } from '../product.repository';
import { emitProductUpserted } from '../products.events';
import type { CreateProductInput, Product } from '../product.types';

const createProductSchema = z.object({
  sku: textField(64),
  name: textField(200),
  description: optionalTextField(2000),
  unit: optionalTextField(20),
  taxRate: z.string().nullish(),
});

@Injectable()
export class CreateProduct {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly products: ProductRepository,
  ) {}

  async execute(ctx: RequestContext, raw: CreateProductInput): Promise<Product> {
    const input = parseInput(createProductSchema, raw, 'input');
    const taxRate = formatPercent(parsePercent(input.taxRate ?? '0', 'input.taxRate'));
    const { sku } = input;
    const write = () =>
      this.uow.run(ctx.tenantId, async (tx) => {
        const existing = await this.products.idBySku(tx, sku);
        if (existing) throw conflict(`input.sku: a product with SKU ${sku} already exists (${existing})`, { field: 'input.sku', existingProductId: existing });
        const product = toProduct(await this.products.insert(tx, { id: randomUUID(), sku, name: input.name, description: input.description, unit: input.unit, taxRate }));
        await emitProductUpserted(tx, ctx, product);
        return product;
      });
    // Two requests with the same SKU at once: the loser's insert hits the unique index.
    return conflictOnUnique(write, (constraint) =>
      constraint === 'products_sku' ? conflict(`input.sku: a product with SKU ${sku} was created at the same time`, { field: 'input.sku' }) : undefined,
    );
  }
}
