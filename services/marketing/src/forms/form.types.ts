import { Directive, Field, ID, Int } from '@nestjs/graphql';
import { attributionTypes, type Attribution } from '@crm/shared-kernel';
import { Connection, InputType, MarketingSchemaScope, ObjectType, registerEnumType } from '../schema-scope';

/** A channel a form's consent covers; the TypeScript value is the event spelling (`email`). */
export enum Channel {
  EMAIL = 'email',
  SMS = 'sms',
  PHONE = 'phone',
  POST = 'post',
  SOCIAL = 'social',
}
registerEnumType(Channel, { name: 'Channel', description: 'A way to reach a contact (the same enum as the contacts subgraph’s)' });

export enum FormStatus {
  ACTIVE = 'active',
  ARCHIVED = 'archived',
}
registerEnumType(FormStatus, { name: 'FormStatus', description: 'An archived form refuses submissions (404) and is hidden from `forms` by default' });

const { Attribution: AttributionType } = attributionTypes(MarketingSchemaScope);

@ObjectType({ description: 'One input of a web form' })
export class FormField {
  @Field({ description: 'The contact field it fills, also the input name: email, phone, firstName, lastName, company, country or custom.<key>' }) field: string;
  @Field() label: string;
  @Field() required: boolean;
}

@ObjectType({ description: 'A public web form capturing leads; submissions go to contacts through crm.marketing.form.submitted.v1' })
@Directive('@key(fields: "id")')
export class Form {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'The public key in the submit URL (names the tenant; unguessable)' }) publicKey: string;
  @Field(() => [FormField]) fields: FormField[];
  @Field({ description: 'The consent checkbox’s exact wording, stored with every submission as proof of consent' }) consentText: string;
  @Field(() => [Channel], { description: 'The channels the consent covers' }) consentChannels: Channel[];
  @Field(() => String, { nullable: true, description: 'After a submission the browser is sent here (303); else the thank-you message is shown' }) redirectUrl: string | null;
  @Field(() => String, { nullable: true }) thankYouMessage: string | null;
  @Field(() => String, { nullable: true, description: 'The lead source recorded on captured contacts (default web-form)' }) leadSource: string | null;
  @Field(() => [String], { description: 'Tags given to captured contacts' }) tags: string[];
  @Field(() => FormStatus) status: FormStatus;
  @Field(() => Int) submissionCount: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType()
export class FormFieldValue {
  @Field() field: string;
  @Field() value: string;
}

@ObjectType({ description: 'One stored submission; its personal data is gone once the person is erased' })
export class FormSubmission {
  @Field(() => ID) id: string;
  @Field(() => ID) formId: string;
  @Field(() => ID, { nullable: true, description: 'The contact it was captured as (the known contact, or the id proposed to contacts; re-linked when contacts matched another one)' })
  contactId: string | null;
  @Field(() => String, { nullable: true }) email: string | null;
  @Field(() => String, { nullable: true }) phone: string | null;
  @Field(() => [FormFieldValue]) values: FormFieldValue[];
  @Field(() => String, { nullable: true, description: 'The consent wording the person agreed to' }) consentText: string | null;
  @Field(() => [Channel]) consentChannels: Channel[];
  @Field(() => AttributionType) attribution: Attribution;
  @Field() submittedAt: Date;
  @Field(() => Date, { nullable: true }) erasedAt: Date | null;
}

export const FormSubmissionConnection = Connection(FormSubmission);

@InputType()
export class FormFieldInput {
  @Field({ description: 'email, phone, firstName, lastName, company, country or custom.<key>' }) field: string;
  @Field() label: string;
  @Field({ nullable: true, defaultValue: false }) required?: boolean;
}

@InputType()
export class CreateFormInput {
  @Field() name: string;
  @Field(() => [FormFieldInput], { description: 'At least an email or a phone field' }) fields: FormFieldInput[];
  @Field(() => String, { nullable: true, description: 'Required: the wording of the consent checkbox' }) consentText?: string | null;
  @Field(() => [Channel], { nullable: true, description: 'Default: EMAIL' }) consentChannels?: Channel[] | null;
  @Field(() => String, { nullable: true, description: 'http(s) URL; or give a thank-you message' }) redirectUrl?: string | null;
  @Field(() => String, { nullable: true }) thankYouMessage?: string | null;
  @Field(() => String, { nullable: true }) leadSource?: string | null;
  @Field(() => [String], { nullable: true }) tags?: string[] | null;
}

@InputType({ description: 'Only the fields given change' })
export class UpdateFormInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => [FormFieldInput], { nullable: true }) fields?: FormFieldInput[] | null;
  @Field(() => String, { nullable: true }) consentText?: string | null;
  @Field(() => [Channel], { nullable: true }) consentChannels?: Channel[] | null;
  @Field(() => String, { nullable: true }) redirectUrl?: string | null;
  @Field(() => String, { nullable: true }) thankYouMessage?: string | null;
  @Field(() => String, { nullable: true }) leadSource?: string | null;
  @Field(() => [String], { nullable: true }) tags?: string[] | null;
}
