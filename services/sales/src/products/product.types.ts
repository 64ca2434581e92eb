import { Field, ID } from '@nestjs/graphql';
import { DateScalar, moneyTypes } from '@crm/shared-kernel';
import { InputType, ObjectType, SalesSchemaScope } from '../schema-scope';

const { Money } = moneyTypes(SalesSchemaScope);
type Money = InstanceType<typeof Money>;

@ObjectType()
export class Product {
  @Field(() => ID) id: string;
  @Field() sku: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. pc, h, licence' }) unit: string | null;
  @Field({ description: 'Default tax rate in percent, e.g. "19" or "7.5"' }) taxRate: string;
  @Field() active: boolean;
}

@ObjectType()
export class PriceListItem {
  @Field(() => ID) productId: string;
  @Field(() => Money) unitPrice: Money;
}

@ObjectType({ description: 'Prices of products in one currency' })
export class PriceList {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() currency: string;
  @Field({ description: 'Used by quotes and orders in this currency that name no price list' }) isDefault: boolean;
  @Field(() => [PriceListItem]) items: PriceListItem[];
}

@InputType()
export class CreateProductInput {
  @Field() sku: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description?: string;
  @Field(() => String, { nullable: true }) unit?: string;
  @Field(() => String, { nullable: true, description: 'Default tax rate in percent (default "0")' }) taxRate?: string;
}

@InputType()
export class PriceInput {
  @Field(() => ID) productId: string;
  @Field({ description: 'Decimal string in the list’s currency' }) unitPrice: string;
}

@InputType()
export class CreatePriceListInput {
  @Field() name: string;
  @Field() currency: string;
  @Field({ nullable: true, defaultValue: false }) isDefault?: boolean;
  @Field(() => [PriceInput], { nullable: true }) items?: PriceInput[];
}

@InputType({ description: 'Fields left out stay as they are; null clears description or unit' })
export class UpdateProductInput {
  @Field(() => String, { nullable: true }) sku?: string;
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) unit?: string | null;
  @Field(() => String, { nullable: true, description: 'Default tax rate in percent' }) taxRate?: string;
}

@ObjectType({ description: 'A price set for a product in a price list, with the date it takes effect' })
export class PriceChange {
  @Field(() => Money) unitPrice: Money;
  @Field(() => DateScalar, { nullable: true, description: 'null: effective since always (set when the list was created)' }) effectiveFrom: string | null;
  @Field() setBy: string;
  @Field() setAt: Date;
}
