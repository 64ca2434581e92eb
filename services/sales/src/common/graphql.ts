import { isUuid } from '@crm/platform';
import { Directive, Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { contactReferenceType } from '@crm/shared-contacts';
import { SalesSchemaScope } from '../schema-scope';

/** `Contact` as the sales subgraph sees it: the key, plus the fields sales adds (deals, orders, lifetimeValue). */
export const SalesContact = contactReferenceType(SalesSchemaScope);
export type SalesContact = InstanceType<typeof SalesContact>;

/** `Company` (owned by contacts) referenced by key; sales adds no fields to it. */
@ObjectType('Company', { registerIn: SalesSchemaScope })
@Directive('@key(fields: "id", resolvable: false)')
export class CompanyRef {
  @Field(() => ID) id: string;
}

@ObjectType({ registerIn: SalesSchemaScope, description: 'An exact amount: decimal string with the currency’s minor units, never a float.' })
@Directive('@shareable')
export class Money {
  @Field({ description: 'Decimal string, e.g. "1234.50" (EUR), "1500" (JPY), "1.250" (KWD)' }) amount: string;
  @Field({ description: 'ISO 4217 code' }) currency: string;
}

@InputType({ registerIn: SalesSchemaScope })
export class MoneyInput {
  @Field({ description: 'Decimal string with at most the currency’s minor units, e.g. "1234.50"' }) amount: string;
  @Field({ description: 'ISO 4217 code, e.g. EUR' }) currency: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A calendar date as YYYY-MM-DD (string in and out). */
export function parseDateOnly(v: unknown, field = 'Date'): string {
  const m = typeof v === 'string' ? DATE.exec(v) : null;
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])) return v as string;
  }
  throw new GraphQLError(`${field}: must be a calendar date YYYY-MM-DD, got ${JSON.stringify(v)?.slice(0, 40)}`, { extensions: { code: 'BAD_USER_INPUT', field } });
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD',
  serialize: (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : parseDateOnly(v)),
  parseValue: (v) => parseDateOnly(v),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Date must be a string YYYY-MM-DD', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDateOnly(ast.value);
  },
});

/** Lower-case canonical UUID, or undefined. */
export function uuidOrUndefined(s: string | null | undefined): string | undefined {
  return typeof s === 'string' && isUuid(s) ? s.toLowerCase() : undefined;
}

/** Date inputs are checked again where they are used (the error then names the field). */
export function optionalDate(v: string | null | undefined, field: string): string | null {
  return v == null ? null : parseDateOnly(v, field);
}
