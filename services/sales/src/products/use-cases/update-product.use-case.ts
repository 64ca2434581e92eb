import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, conflictOnUnique, invalidField, isUuid, notFound, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { formatPercent, optionalTextField, parsePercent, textField } from '@crm/shared-kernel';
import { ProductRepository, toProduct } from '../product.repository';
import { emitProductUpserted } from '../products.events';
import type { Product, UpdateProductInput } from '../product.types';

// undefined: unchanged; null is refused where a product cannot be without the field.
const schema = z
  .object({
    sku: textField(64).optional(),
    name: textField(200).optional(),
    description: optionalTextField(2000).optional(),
    unit: optionalTextField(20).optional(),
    taxRate: z.string().optional(),
  })
  .refine((i) => Object.values(i).some((v) => v !== undefined), { error: 'nothing to change', path: ['name'] });

/** The operation's own `id` argument as a product id. */
export function productId(raw: string): string {
  if (!isUuid(raw)) throw invalidField('id', `"${String(raw).slice(0, 60)}" is not a product id`);
  return raw.toLowerCase();
}

/** Edits a product of the catalogue; documents already issued keep their lines (SKU, description, tax) as they were. */
@Injectable()
export class UpdateProduct {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly products: ProductRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string, raw: UpdateProductInput): Promise<Product> {
    const v = parseInput(schema, raw, 'input');
    const taxRate = v.taxRate === undefined ? undefined : formatPercent(parsePercent(v.taxRate, 'input.taxRate'));
    const id = productId(rawId);
    const write = () =>
      this.uow.run(ctx.tenantId, async (tx) => {
        const current = await this.products.lock(tx, id);
        if (!current) throw notFound(`product ${id} does not exist`);
        if (v.sku !== undefined && v.sku.toLowerCase() !== current.sku.toLowerCase()) {
          const other = await this.products.idBySku(tx, v.sku);
          if (other) throw conflict(`input.sku: a product with SKU ${v.sku} already exists (${other})`, { field: 'input.sku', existingProductId: other });
        }
        const row = await this.products.update(tx, id, { sku: v.sku, name: v.name, description: v.description, unit: v.unit, tax_rate: taxRate });
        const product = toProduct(row);
        await emitProductUpserted(tx, ctx, product);
        return product;
      });
    return conflictOnUnique(write, (constraint) =>
      constraint === 'products_sku' ? conflict(`input.sku: a product with SKU ${v.sku} was created at the same time`, { field: 'input.sku' }) : undefined,
    );
  }
}
