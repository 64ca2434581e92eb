import { attributionTypes, type Attribution as SharedAttribution } from '@crm/shared-kernel';
import { Directive, Field, ID, Int } from '@nestjs/graphql';
import { type ConnectionValue } from '@crm/platform';
import { Connection, ContactsSchemaScope, InputType, ObjectType, registerEnumType } from '../schema-scope';

/** One attribution model for every module (@crm/shared-kernel): a contact's, a deal's, a purchase's. */
const { Attribution, AttributionInput } = attributionTypes(ContactsSchemaScope);
type Attribution = SharedAttribution;

export enum Channel {
  EMAIL = 'email',
  SMS = 'sms',
  PHONE = 'phone',
  POST = 'post',
  SOCIAL = 'social',
}
registerEnumType(Channel, { name: 'Channel', description: 'A way to reach a contact.' });

export enum ContactOrder {
  CREATED_AT_DESC = 'CREATED_AT_DESC',
  CREATED_AT_ASC = 'CREATED_AT_ASC',
  UPDATED_AT_DESC = 'UPDATED_AT_DESC',
  LAST_NAME_ASC = 'LAST_NAME_ASC',
  DISPLAY_NAME_ASC = 'DISPLAY_NAME_ASC',
}
registerEnumType(ContactOrder, { name: 'ContactOrder' });

@ObjectType()
export class ContactEmail {
  @Field() email: string;
  @Field() primary: boolean;
}

@ObjectType()
export class ContactPhone {
  @Field({ description: 'As entered' }) phone: string;
  @Field({ description: 'E.164, used for duplicate detection' }) e164: string;
  @Field() primary: boolean;
}

/** The lawful bases of GDPR Article 6(1); stored and published (events) as the lower-case value. */
export enum LegalBasis {
  CONSENT = 'consent',
  CONTRACT = 'contract',
  LEGAL_OBLIGATION = 'legal_obligation',
  VITAL_INTERESTS = 'vital_interests',
  PUBLIC_TASK = 'public_task',
  LEGITIMATE_INTERESTS = 'legitimate_interests',
}
registerEnumType(LegalBasis, {
  name: 'LegalBasis',
  description: 'A lawful basis of GDPR Article 6(1) (a) to (f).',
  valuesMap: {
    CONSENT: { description: 'Art. 6(1)(a): the person consented' },
    CONTRACT: { description: 'Art. 6(1)(b): needed for a contract with the person' },
    LEGAL_OBLIGATION: { description: 'Art. 6(1)(c): needed to comply with a legal obligation' },
    VITAL_INTERESTS: { description: 'Art. 6(1)(d): protects vital interests' },
    PUBLIC_TASK: { description: 'Art. 6(1)(e): a task in the public interest' },
    LEGITIMATE_INTERESTS: { description: 'Art. 6(1)(f): legitimate interests' },
  },
});

@ObjectType()
export class Consent {
  @Field(() => Channel) channel: Channel;
  @Field() granted: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'GDPR Art. 6(1) legal basis in lower case (consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests); records older than the LegalBasis validation may hold other text',
  })
  legalBasis: string | null;
  @Field(() => String, { nullable: true }) source: string | null;
  @Field() recordedAt: Date;
}

@ObjectType({ description: 'What a GDPR erasure did, and until when copies of the person\'s events may remain in the event log' })
export class ContactErasure {
  @Field(() => ID) contactId: string;
  @Field({ description: 'When the contact was erased (the first erasure, if it is asked again)' }) erasedAt: Date;
  @Field({
    description:
      'Latest time at which copies of this contact\'s events already published to Kafka are deleted by the topics\' retention (erasure time + retention + one log segment + the broker\'s check interval). Every deployed module erases its own tables when it receives contact.erased.',
  })
  eventLogCopiesExpireBy: Date;
}

@ObjectType({ description: 'One recorded consent decision (append-only evidence: never changed or deleted by the application).' })
export class ConsentRecord {
  @Field(() => Channel) channel: Channel;
  @Field() granted: boolean;
  @Field(() => String, { nullable: true, description: 'As Consent.legalBasis: the lower-case Art. 6(1) basis' }) legalBasis: string | null;
  @Field(() => String, { nullable: true, description: 'Where the decision was collected (form, call, import, ...)' }) source: string | null;
  @Field(() => String, { nullable: true, description: 'The text the person agreed to (or withdrew from)' }) wording: string | null;
  @Field(() => String, { nullable: true, description: 'Version of that text' }) wordingVersion: string | null;
  @Field(() => String, { nullable: true, description: 'User id that recorded it; null for records that predate the history' }) recordedBy: string | null;
  @Field() recordedAt: Date;
}

@ObjectType()
export class Address {
  @Field(() => String, { nullable: true }) label: string | null;
  @Field(() => String, { nullable: true }) line1: string | null;
  @Field(() => String, { nullable: true }) line2: string | null;
  @Field(() => String, { nullable: true }) city: string | null;
  @Field(() => String, { nullable: true }) region: string | null;
  @Field(() => String, { nullable: true }) postalCode: string | null;
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2' }) country: string | null;
}

@ObjectType({ description: 'A handle on a social network, where the `social` channel reaches the contact' })
export class SocialHandle {
  @Field({ description: 'Lower-case network name: facebook, instagram, linkedin, x, tiktok, whatsapp, telegram, … or another lower-case word' }) network: string;
  @Field({ description: 'The handle or profile on that network, as entered' }) handle: string;
}

@ObjectType()
export class CustomFieldValue {
  @Field() key: string;
  @Field({ description: 'text, number, date, boolean or enum' }) type: string;
  @Field(() => String, { nullable: true, description: 'Value rendered as text (dates as YYYY-MM-DD)' }) value: string | null;
}

/** Head-count bands, as B2B CRMs and data providers report them. */
export enum CompanySize {
  EMPLOYEES_1_10 = '1-10',
  EMPLOYEES_11_50 = '11-50',
  EMPLOYEES_51_200 = '51-200',
  EMPLOYEES_201_500 = '201-500',
  EMPLOYEES_501_1000 = '501-1000',
  EMPLOYEES_1001_5000 = '1001-5000',
  EMPLOYEES_5001_PLUS = '5001+',
}
registerEnumType(CompanySize, { name: 'CompanySize', description: 'Number of employees (a band)' });

@ObjectType()
@Directive('@key(fields: "id")')
export class Company {
  @Field(() => ID) id: string;
  @Field({ description: 'The name people use (unique per tenant)' }) name: string;
  @Field(() => String, { nullable: true, description: 'Registered legal name (on invoices and quotes)' }) legalName: string | null;
  @Field(() => [String], { description: 'Web/email domains; each belongs to one company of the tenant' }) domains: string[];
  @Field(() => String, { nullable: true }) industry: string | null;
  @Field(() => CompanySize, { nullable: true }) size: CompanySize | null;
  @Field(() => Address, { nullable: true, description: 'Registered or main address' }) address: Address | null;
  @Field(() => String, { nullable: true, description: 'VAT / tax id, as registered (e.g. DE123456789)' }) vatId: string | null;
  @Field(() => String, { nullable: true }) ownerId: string | null;
  @Field(() => [String]) tags: string[];
  @Field(() => [CustomFieldValue], { description: "Values of the tenant's custom fields" }) customFields: CustomFieldValue[];
  @Field(() => ID, { nullable: true, description: 'Set when this company was merged into another' }) mergedIntoId: string | null;
  @Field(() => Int) version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class Contact {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) firstName: string | null;
  @Field(() => String, { nullable: true }) lastName: string | null;
  @Field() displayName: string;
  @Field(() => String, { nullable: true, description: 'Primary email' }) email: string | null;
  @Field(() => String, { nullable: true, description: 'Primary phone (E.164)' }) phone: string | null;
  @Field(() => [ContactEmail]) emails: ContactEmail[];
  @Field(() => [ContactPhone]) phones: ContactPhone[];
  /** Resolved by field resolver (batched). */
  companyId: string | null;
  @Field(() => [String]) tags: string[];
  @Field(() => [Channel], { description: 'Ordered: the first reachable one with consent is used for campaigns' }) preferredChannels: Channel[];
  @Field(() => [Consent]) consents: Consent[];
  @Field(() => [Address], { description: 'Postal addresses; the first is the primary one (its country is the contact\'s country)' }) addresses: Address[];
  @Field(() => [SocialHandle], { description: 'Social network handles (the social channel needs one)' }) socialHandles: SocialHandle[];
  @Field(() => String, { nullable: true, description: 'IANA time zone (e.g. Europe/Paris); campaigns schedule "at 9:00 local time" by it' }) timeZone: string | null;
  @Field(() => [CustomFieldValue]) customFields: CustomFieldValue[];
  @Field(() => String, { nullable: true }) ownerId: string | null;
  @Field(() => String, { nullable: true }) lifecycleStage: string | null;
  @Field(() => Attribution, { nullable: true, description: 'Where the contact came from (lead source, UTM, paid keyword)' }) source: Attribution | null;
  @Field(() => ID, { nullable: true, description: 'Set when this contact was merged into another' }) mergedIntoId: string | null;
  @Field() erased: boolean;
  @Field(() => Date, { nullable: true, description: 'Set while the contact is archived (hidden from lists and search; restoreContact brings it back)' }) archivedAt: Date | null;
  @Field(() => Int) version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

export const ContactConnection = Connection(Contact, { countDescription: 'Matching contacts (all pages); counted only when selected' });
export type ContactConnection = ConnectionValue<Contact>;

@InputType()
export class AddressInput {
  @Field(() => String, { nullable: true }) label?: string;
  @Field(() => String, { nullable: true }) line1?: string;
  @Field(() => String, { nullable: true }) line2?: string;
  @Field(() => String, { nullable: true }) city?: string;
  @Field(() => String, { nullable: true }) region?: string;
  @Field(() => String, { nullable: true }) postalCode?: string;
  @Field(() => String, { nullable: true }) country?: string;
}

@InputType()
export class SocialHandleInput {
  @Field({ description: 'A network from the known list (facebook, instagram, linkedin, x, …) or another lower-case word' }) network: string;
  @Field({ description: '1 to 200 characters' }) handle: string;
}

@InputType()
export class CustomFieldInput {
  @Field() key: string;
  @Field(() => String, { nullable: true, description: 'Null clears the value' }) value: string | null;
}

@InputType()
export class CreateContactInput {
  @Field(() => String, { nullable: true }) firstName?: string;
  @Field(() => String, { nullable: true }) lastName?: string;
  @Field(() => String, { nullable: true, description: 'Primary email' }) email?: string;
  @Field(() => String, { nullable: true, description: 'Primary phone' }) phone?: string;
  @Field(() => [String], { nullable: true, description: 'Further emails' }) otherEmails?: string[];
  @Field(() => [String], { nullable: true, description: 'Further phones' }) otherPhones?: string[];
  @Field(() => String, { nullable: true, description: 'ISO country used for phones without +country code' }) phoneCountry?: string;
  @Field(() => ID, { nullable: true }) companyId?: string;
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => [Channel], { nullable: true }) preferredChannels?: Channel[];
  @Field(() => String, { nullable: true }) ownerId?: string;
  @Field(() => String, { nullable: true }) lifecycleStage?: string;
  @Field(() => AttributionInput, { nullable: true }) source?: Partial<Attribution>;
  @Field(() => [AddressInput], { nullable: true, description: 'The first is the primary one' }) addresses?: AddressInput[];
  @Field(() => [SocialHandleInput], { nullable: true }) socialHandles?: SocialHandleInput[];
  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. Europe/Paris' }) timeZone?: string;
  @Field(() => [CustomFieldInput], { nullable: true }) customFields?: CustomFieldInput[];
}

@InputType({ description: 'Fields left out stay as they are; null clears a nullable field.' })
export class UpdateContactInput {
  @Field(() => String, { nullable: true }) firstName?: string | null;
  @Field(() => String, { nullable: true }) lastName?: string | null;
  @Field(() => String, { nullable: true, description: 'New primary email (added if new)' }) email?: string | null;
  @Field(() => String, { nullable: true, description: 'New primary phone (added if new)' }) phone?: string | null;
  @Field(() => String, { nullable: true }) phoneCountry?: string;
  @Field(() => ID, { nullable: true }) companyId?: string | null;
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => [Channel], { nullable: true }) preferredChannels?: Channel[];
  @Field(() => String, { nullable: true }) ownerId?: string | null;
  @Field(() => String, { nullable: true }) lifecycleStage?: string | null;
  @Field(() => AttributionInput, { nullable: true }) source?: Partial<Attribution> | null;
  @Field(() => [AddressInput], { nullable: true, description: 'The whole list; the first is the primary one' }) addresses?: AddressInput[];
  @Field(() => [SocialHandleInput], { nullable: true, description: 'The whole list (an empty list removes all)' }) socialHandles?: SocialHandleInput[];
  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. Europe/Paris; null clears it' }) timeZone?: string | null;
  @Field(() => [CustomFieldInput], { nullable: true }) customFields?: CustomFieldInput[];
}

@InputType()
export class ContactFilter {
  @Field(() => String, { nullable: true, description: 'Full-text and prefix search over names, emails, phones and company' }) search?: string;
  @Field(() => [String], { nullable: true, description: 'Contacts having all these tags' }) tags?: string[];
  @Field(() => ID, { nullable: true }) companyId?: string;
  @Field(() => String, { nullable: true }) ownerId?: string;
  @Field(() => ID, { nullable: true, description: 'Contacts owned by a member of this team' }) teamId?: string;
  @Field(() => String, { nullable: true }) lifecycleStage?: string;
  @Field(() => Date, { nullable: true }) createdAfter?: Date;
  @Field(() => Date, { nullable: true }) createdBefore?: Date;
  @Field(() => Channel, { nullable: true, description: 'Only contacts with granted consent on this channel' }) consentedChannel?: Channel;
  @Field(() => Boolean, { nullable: true, description: 'true: only archived contacts; otherwise archived contacts are left out' }) archived?: boolean;
}

@InputType()
export class SetConsentInput {
  @Field(() => ID) contactId: string;
  @Field(() => Channel) channel: Channel;
  @Field() granted: boolean;
  @Field(() => LegalBasis, { nullable: true, description: 'GDPR Art. 6(1) basis; anything else is refused with BAD_USER_INPUT' }) legalBasis?: LegalBasis;
  @Field(() => String, { nullable: true, description: 'Where the decision was collected (at most 200 characters)' }) source?: string;
  @Field(() => String, { nullable: true, description: 'The text the person agreed to, kept as evidence (at most 10,000 characters)' }) wording?: string;
  @Field(() => String, { nullable: true, description: 'Version or id of that text (at most 100 characters)' }) wordingVersion?: string;
}

@InputType({ description: 'The whole ordered list: the first is the primary; values left out are removed; an empty list removes all' })
export class SetContactEmailsInput {
  @Field(() => [String]) emails: string[];
}

@InputType({ description: 'The whole ordered list: the first is the primary; values left out are removed; an empty list removes all' })
export class SetContactPhonesInput {
  @Field(() => [String]) phones: string[];
  @Field(() => String, { nullable: true, description: 'ISO country used for phones without +country code' }) phoneCountry?: string;
}

@InputType({ description: 'What bulkUpdateContacts changes on every matching contact; fields left out stay as they are, null clears owner or stage' })
export class BulkUpdateContactsInput {
  @Field(() => [String], { nullable: true }) addTags?: string[];
  @Field(() => [String], { nullable: true }) removeTags?: string[];
  @Field(() => String, { nullable: true }) ownerId?: string | null;
  @Field(() => String, { nullable: true }) lifecycleStage?: string | null;
  @Field(() => Int, { nullable: true, description: 'At most this many contacts in this call (default and maximum 1000)' }) limit?: number;
}

@ObjectType()
export class BulkUpdateContactsResult {
  @Field(() => Int, { description: 'Contacts changed by this call (one contact.updated event each)' }) updated: number;
  @Field(() => [ID]) updatedIds: string[];
  @Field(() => Int, { description: 'Matching contacts the change would still alter; call again until 0' }) remaining: number;
}

/** Which contact's value a merge keeps for a field. */
export enum MergeSide {
  SURVIVOR = 'SURVIVOR',
  DUPLICATE = 'DUPLICATE',
}
registerEnumType(MergeSide, { name: 'MergeSide', description: "Whose value a merged field keeps: the survivor's or the duplicate's" });

@InputType({
  description:
    "Per field, whose value survives a merge (default SURVIVOR, as before). The chosen side's value wins; when it is empty the other side's fills the gap. " +
    'Tags, preferred channels and social handles are always united; all emails and phones always move to the survivor (email/phone choose the primary one).',
})
export class MergeFieldChoices {
  @Field(() => MergeSide, { nullable: true }) firstName?: MergeSide;
  @Field(() => MergeSide, { nullable: true }) lastName?: MergeSide;
  @Field(() => MergeSide, { nullable: true, description: 'Which primary email stays primary' }) email?: MergeSide;
  @Field(() => MergeSide, { nullable: true, description: 'Which primary phone stays primary' }) phone?: MergeSide;
  @Field(() => MergeSide, { nullable: true }) companyId?: MergeSide;
  @Field(() => MergeSide, { nullable: true }) ownerId?: MergeSide;
  @Field(() => MergeSide, { nullable: true }) lifecycleStage?: MergeSide;
  @Field(() => MergeSide, { nullable: true }) source?: MergeSide;
  @Field(() => MergeSide, { nullable: true }) addresses?: MergeSide;
  @Field(() => MergeSide, { nullable: true, description: 'Both sets are united; this side wins where both have a value for the same field' }) customFields?: MergeSide;
  @Field(() => MergeSide, { nullable: true }) timeZone?: MergeSide;
}
