import type { Type } from '@nestjs/common';
import { Directive, Field, ID, ObjectType } from '@nestjs/graphql';

/** What a field returning `Company` holds in a subgraph that does not own companies: the key. */
export interface CompanyReference {
  id: string;
}

const byScope = new Map<Function, Type<CompanyReference>>();

/**
 * `Company` (owned by contacts) as another subgraph references it: the key only, not resolvable
 * there (that subgraph adds no fields to it). One class per scope, like contactReferenceType.
 */
export function companyReferenceType(scope: Function): Type<CompanyReference> {
  let t = byScope.get(scope);
  if (!t) {
    @ObjectType('Company', { registerIn: scope })
    @Directive('@key(fields: "id", resolvable: false)')
    class Company implements CompanyReference {
      @Field(() => ID) id: string;
    }
    t = Company;
    byScope.set(scope, t);
  }
  return t;
}
