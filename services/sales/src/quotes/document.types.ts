import { Field, ID } from '@nestjs/graphql';
import { moneyTypes } from '@crm/shared-kernel';
import { InputType, ObjectType, SalesSchemaScope } from '../schema-scope';

const { Money } = moneyTypes(SalesSchemaScope);
type Money = InstanceType<typeof Money>;

@InputType({ description: 'A quote or order line. With a product, price, description and tax rate default from the product and price list.' })
export class DocumentLineInput {
  @Field(() => ID, { nullable: true }) productId?: string;
  @Field(() => String, { nullable: true, description: 'Default: the product name' }) description?: string;
  @Field({ description: 'Decimal string > 0, at most 4 decimals (e.g. "2.5" hours)' }) quantity: string;
  @Field(() => String, { nullable: true, description: 'Decimal string in the document currency; default: the price list price' }) unitPrice?: string;
  @Field(() => String, { nullable: true, description: 'Percent off the line, e.g. "10"' }) discountPercent?: string;
  @Field(() => String, { nullable: true, description: 'Fixed amount off the line' }) discountAmount?: string;
  @Field(() => String, { nullable: true, description: 'Tax rate in percent, e.g. "19"; default: the product’s rate, else "0"' }) taxRate?: string;
}

@ObjectType()
export class DocumentLine {
  @Field(() => ID) id: string;
  @Field(() => ID, { nullable: true }) productId: string | null;
  @Field(() => String, { nullable: true }) sku: string | null;
  @Field() description: string;
  @Field() quantity: string;
  @Field(() => Money) unitPrice: Money;
  @Field(() => String, { nullable: true }) discountPercent: string | null;
  @Field(() => Money) discount: Money;
  @Field({ description: 'Percent' }) taxRate: string;
  @Field(() => Money, { description: 'Excluding tax' }) net: Money;
  @Field(() => Money) tax: Money;
  @Field(() => Money, { description: 'Including tax' }) gross: Money;
}

@ObjectType({ description: 'Tax summary of one rate' })
export class TaxLine {
  @Field({ description: 'Percent' }) rate: string;
  @Field(() => Money) net: Money;
  @Field(() => Money) tax: Money;
}

/** Fields quotes and orders share. */
export interface DocumentFields {
  currency: string;
  pricesIncludeTax: boolean;
  lines?: DocumentLine[];
  subtotal: Money;
  discountTotal: Money;
  taxTotal: Money;
  total: Money;
  taxes: TaxLine[];
}
