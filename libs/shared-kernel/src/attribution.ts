import type { Type } from '@nestjs/common';
import { Directive, Field, InputType, ObjectType } from '@nestjs/graphql';
import { z } from 'zod';

/**
 * Where a contact, deal or purchase came from — one model for every module, so marketing can join
 * attribution across them: the lead source plus the UTM parameters and the paid keyword.
 */
export const ATTRIBUTION_FIELDS = ['leadSource', 'source', 'medium', 'campaign', 'term', 'content', 'keyword'] as const;
export const ATTRIBUTION_MAX_LENGTH = 200;

const field = z.string().max(ATTRIBUTION_MAX_LENGTH, `must be at most ${ATTRIBUTION_MAX_LENGTH} characters`).nullish();

/** Input validation (with parseInput: `input.source.campaign: must be at most 200 characters`). */
export const attributionSchema = z.object({
  leadSource: field,
  source: field,
  medium: field,
  campaign: field,
  term: field,
  content: field,
  keyword: field,
});
export type AttributionInputValue = z.input<typeof attributionSchema>;

/** Stored and returned attribution: every field present, null when unknown. */
export type Attribution = { [K in (typeof ATTRIBUTION_FIELDS)[number]]: string | null };

/** Parsed input → the stored shape (blank strings become null: "no value", not a value). */
export function toAttribution(v: z.output<typeof attributionSchema>): Attribution {
  const out = {} as Attribution;
  for (const k of ATTRIBUTION_FIELDS) {
    const s = v[k]?.trim();
    out[k] = s ? s : null;
  }
  return out;
}

export interface AttributionTypes {
  Attribution: Type<Attribution>;
  AttributionInput: Type<Partial<Attribution>>;
}

const byScope = new Map<Function, AttributionTypes>();

/** The GraphQL `Attribution` object (`@shareable`) and `AttributionInput` in a module's schema scope; one pair per scope. */
export function attributionTypes(scope: Function): AttributionTypes {
  let t = byScope.get(scope);
  if (!t) {
    @ObjectType('Attribution', { registerIn: scope, description: 'Where it came from, so marketing can attribute revenue (lead source, UTM, paid keyword).' })
    // Contacts and sales both declare it (a contact's and a deal's attribution): the same value type in two subgraphs.
    @Directive('@shareable')
    class AttributionType implements Attribution {
      @Field(() => String, { nullable: true, description: 'e.g. referral, webinar, paid-search' }) leadSource: string | null;
      @Field(() => String, { nullable: true, description: 'utm_source' }) source: string | null;
      @Field(() => String, { nullable: true, description: 'utm_medium' }) medium: string | null;
      @Field(() => String, { nullable: true, description: 'utm_campaign' }) campaign: string | null;
      @Field(() => String, { nullable: true, description: 'utm_term' }) term: string | null;
      @Field(() => String, { nullable: true, description: 'utm_content' }) content: string | null;
      @Field(() => String, { nullable: true, description: 'Paid-advertising keyword that brought the customer' }) keyword: string | null;
    }

    @InputType('AttributionInput', { registerIn: scope, description: `Each field at most ${ATTRIBUTION_MAX_LENGTH} characters; blank means unknown` })
    class AttributionInputType implements Partial<Attribution> {
      @Field(() => String, { nullable: true }) leadSource?: string | null;
      @Field(() => String, { nullable: true }) source?: string | null;
      @Field(() => String, { nullable: true }) medium?: string | null;
      @Field(() => String, { nullable: true }) campaign?: string | null;
      @Field(() => String, { nullable: true }) term?: string | null;
      @Field(() => String, { nullable: true }) content?: string | null;
      @Field(() => String, { nullable: true }) keyword?: string | null;
    }
    t = { Attribution: AttributionType, AttributionInput: AttributionInputType };
    byScope.set(scope, t);
  }
  return t;
}
