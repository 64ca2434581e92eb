import { Field, ID } from '@nestjs/graphql';
import { moneyTypes } from '@crm/shared-kernel';
import { InputType, ObjectType, SalesSchemaScope, registerEnumType } from '../schema-scope';

const { Money, MoneyInput } = moneyTypes(SalesSchemaScope);
type Money = InstanceType<typeof Money>;
type MoneyInput = InstanceType<typeof MoneyInput>;

export enum CommissionBasis {
  DEALS = 'deals',
  ORDERS = 'orders',
}
registerEnumType(CommissionBasis, { name: 'CommissionBasis', description: 'DEALS: earned when a deal is won; ORDERS: per order line when an order is paid' });

export enum CommissionKind {
  PERCENTAGE = 'percentage',
  FIXED = 'fixed',
}
registerEnumType(CommissionKind, { name: 'CommissionKind' });

@ObjectType({ description: 'From this cumulative amount (per owner, month and currency) on, the rate applies (graduated)' })
export class CommissionTier {
  @Field() from: string;
  @Field({ description: 'Percent' }) rate: string;
}

@ObjectType()
export class CommissionRule {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true, description: 'Only this owner; null = everyone' }) ownerId: string | null;
  @Field(() => ID, { nullable: true, description: 'Only order lines of this product; null = any' }) productId: string | null;
  @Field(() => CommissionBasis) appliesTo: CommissionBasis;
  @Field(() => CommissionKind) kind: CommissionKind;
  @Field(() => String, { nullable: true, description: 'Only amounts in this currency; null = any (percentage without tiers)' }) currency: string | null;
  @Field(() => String, { nullable: true, description: 'Percent (PERCENTAGE without tiers)' }) rate: string | null;
  @Field(() => Money, { nullable: true, description: 'Per deal, or per unit for a product rule (FIXED)' }) fixedAmount: Money | null;
  @Field(() => [CommissionTier]) tiers: CommissionTier[];
  @Field() active: boolean;
}

@InputType()
export class CommissionTierInput {
  @Field({ description: 'Decimal amount in the rule currency; the first tier starts at "0"' }) from: string;
  @Field({ description: 'Percent' }) rate: string;
}

@InputType()
export class CreateCommissionRuleInput {
  @Field() name: string;
  @Field(() => String, { nullable: true }) ownerId?: string;
  @Field(() => ID, { nullable: true }) productId?: string;
  @Field(() => CommissionBasis) appliesTo: CommissionBasis;
  @Field(() => CommissionKind) kind: CommissionKind;
  @Field(() => String, { nullable: true, description: 'Needed with tiers' }) currency?: string;
  @Field(() => String, { nullable: true }) rate?: string;
  @Field(() => MoneyInput, { nullable: true }) fixedAmount?: MoneyInput;
  @Field(() => [CommissionTierInput], { nullable: true }) tiers?: CommissionTierInput[];
}

@ObjectType()
export class CommissionEntry {
  @Field(() => ID) id: string;
  @Field(() => ID) ruleId: string;
  @Field({ description: 'deal or order' }) sourceKind: string;
  @Field(() => ID) sourceId: string;
  @Field(() => ID, { nullable: true, description: 'Order line' }) lineId: string | null;
  @Field({ description: 'YYYY-MM' }) period: string;
  @Field(() => Money, { description: 'Deal amount or order line net amount' }) basis: Money;
  @Field(() => Money) commission: Money;
  @Field() earnedAt: Date;
  @Field(() => ID, { nullable: true, description: 'Set on a reversal (negative basis and commission, booked when a won deal was reopened): the entry it takes back' })
  reversalOf: string | null;
}

@ObjectType({ description: 'Commissions of one owner in one currency over the requested period' })
export class CommissionStatement {
  @Field() ownerId: string;
  @Field() currency: string;
  @Field(() => Money) basis: Money;
  @Field(() => Money) total: Money;
  @Field(() => [CommissionEntry]) entries: CommissionEntry[];
}
