import type { Type } from '@nestjs/common';
import { Directive, Field, InputType, ObjectType } from '@nestjs/graphql';
import type { Money } from './money';

/**
 * `Money` and `MoneyInput` registered in a module's schema scope: `moneyTypes(SalesSchemaScope)`.
 * One pair per scope (asking twice returns the same classes), so every module that shows an amount
 * declares the same shape; `Money` is `@shareable` because several subgraphs declare it.
 */
export interface MoneyTypes {
  Money: Type<Money>;
  MoneyInput: Type<Money>;
}

const byScope = new Map<Function, MoneyTypes>();

export function moneyTypes(scope: Function): MoneyTypes {
  let t = byScope.get(scope);
  if (!t) {
    @ObjectType('Money', { registerIn: scope, description: 'An exact amount: decimal string with the currency’s minor units, never a float.' })
    @Directive('@shareable')
    class MoneyType implements Money {
      @Field({ description: 'Decimal string, e.g. "1234.50" (EUR), "1500" (JPY), "1.250" (KWD)' }) amount: string;
      @Field({ description: 'ISO 4217 code' }) currency: string;
    }

    @InputType('MoneyInput', { registerIn: scope })
    class MoneyInputType implements Money {
      @Field({ description: 'Decimal string with at most the currency’s minor units, e.g. "1234.50"' }) amount: string;
      @Field({ description: 'ISO 4217 code, e.g. EUR' }) currency: string;
    }
    t = { Money: MoneyType, MoneyInput: MoneyInputType };
    byScope.set(scope, t);
  }
  return t;
}
