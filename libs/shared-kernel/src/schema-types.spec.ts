import { attributionTypes } from './attribution';
import { companyReferenceType } from './company-reference';
import { moneyTypes } from './money.graphql';

// A module asks for these types in every file that shows an amount; a second class named `Money`
// in the same scope would make its schema fail to build, so each scope gets exactly one.
describe('schema types per scope', () => {
  class ScopeA {}
  class ScopeB {}

  it.each([
    ['moneyTypes', (s: Function) => moneyTypes(s).Money],
    ['MoneyInput', (s: Function) => moneyTypes(s).MoneyInput],
    ['companyReferenceType', (s: Function) => companyReferenceType(s)],
    ['attributionTypes', (s: Function) => attributionTypes(s).Attribution],
  ])('%s: one class per scope, another for another scope', (_name, typeOf) => {
    expect(typeOf(ScopeA)).toBe(typeOf(ScopeA));
    expect(typeOf(ScopeB)).not.toBe(typeOf(ScopeA));
  });
});
