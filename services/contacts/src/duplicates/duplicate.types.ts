import { Field, Int } from '@nestjs/graphql';
import { type ConnectionValue } from '@crm/platform';
import { Contact } from '../contacts/contact.types';
import { Connection, ObjectType, registerEnumType } from '../schema-scope';

/** Why two contacts look like the same person; each adds its weight to the pair's score (see DUPLICATE_WEIGHTS). */
export enum DuplicateReason {
  SAME_NAME_AND_COMPANY = 'SAME_NAME_AND_COMPANY',
  SAME_NAME = 'SAME_NAME',
  EMAIL_LOCAL_PART_AT_COMPANY_DOMAIN = 'EMAIL_LOCAL_PART_AT_COMPANY_DOMAIN',
  EMAIL_ALIAS = 'EMAIL_ALIAS',
  PHONE_IN_OTHER_FORMAT = 'PHONE_IN_OTHER_FORMAT',
}
registerEnumType(DuplicateReason, {
  name: 'DuplicateReason',
  description: 'Why a pair of contacts is listed as possible duplicates',
  valuesMap: {
    SAME_NAME_AND_COMPANY: { description: 'First and last name equal once case, accents, punctuation and their order are ignored, and the same company (60)' },
    SAME_NAME: { description: 'The same normalised name, but not the same company (30)' },
    EMAIL_LOCAL_PART_AT_COMPANY_DOMAIN: { description: 'Emails with the same local part at two different domains of one company, e.g. ada@acme.com and ada@acme.de (50)' },
    EMAIL_ALIAS: { description: 'Emails that reach the same mailbox: a +tag (ada+crm@x.com) or, at Gmail, dots and googlemail.com (70)' },
    PHONE_IN_OTHER_FORMAT: { description: 'Phones with the same last nine digits under another country code, as when a number was read with the wrong default country (70)' },
  },
});

/**
 * The weight of each reason; a pair's score is the sum of its reasons, at most 100. A name alone
 * (30) stays under the default threshold (50): two people of the same name are common; a name and
 * a company, or a mailbox or phone that only differs in form, are not.
 */
export const DUPLICATE_WEIGHTS: Record<DuplicateReason, number> = {
  [DuplicateReason.SAME_NAME_AND_COMPANY]: 60,
  [DuplicateReason.SAME_NAME]: 30,
  [DuplicateReason.EMAIL_LOCAL_PART_AT_COMPANY_DOMAIN]: 50,
  [DuplicateReason.EMAIL_ALIAS]: 70,
  [DuplicateReason.PHONE_IN_OTHER_FORMAT]: 70,
};

export const DEFAULT_MIN_SCORE = 50;

@ObjectType({ description: 'Two active contacts that are likely the same person; `a` is the older one (the usual survivor of mergeContacts)' })
export class DuplicatePair {
  @Field(() => Contact) a: Contact;
  @Field(() => Contact) b: Contact;
  @Field(() => Int, { description: 'Sum of the weights of the reasons, at most 100' }) score: number;
  @Field(() => [DuplicateReason]) reasons: DuplicateReason[];
}

export const DuplicatePairConnection = Connection(DuplicatePair, { description: 'Possible duplicates, highest score first' });
export type DuplicatePairConnection = ConnectionValue<DuplicatePair>;
