import { z } from 'zod';
import { optionalTextField, textField } from '@crm/shared-kernel';
import { isFieldTarget, RESERVED_FIELDS, type FormFieldDef } from './form-fields';
import type { FormValues } from './form.repository';
import { Channel } from './form.types';

const fieldDef = z.object({
  field: z
    .string()
    .trim()
    .superRefine((f, ctx) => {
      if (RESERVED_FIELDS.includes(f)) ctx.addIssue({ code: 'custom', message: 'reserved for the hidden UTM, consent and honeypot inputs' });
      else if (!isFieldTarget(f)) ctx.addIssue({ code: 'custom', message: 'unknown field: use email, phone, firstName, lastName, company, country or custom.<key> (a-z, 0-9, _)' });
    }),
  label: textField(200),
  required: z.boolean().nullish().transform((r) => !!r),
});

const fields = z
  .array(fieldDef)
  .min(1, 'a form needs at least one field')
  .max(30, 'at most 30 fields')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((f, i) => {
      if (seen.has(f.field)) ctx.addIssue({ code: 'custom', path: [i, 'field'], message: `${f.field} appears twice` });
      seen.add(f.field);
    });
    if (!list.some((f) => f.field === 'email' || f.field === 'phone')) ctx.addIssue({ code: 'custom', message: 'needs an email or a phone field: contacts finds or creates the person by them' });
  });

const consentText = z
  .string({ error: 'required: the exact wording of the consent checkbox (stored with every submission as proof of consent)' })
  .trim()
  .min(1, 'required: the exact wording of the consent checkbox (stored with every submission as proof of consent)')
  .max(2000, 'must be at most 2000 characters');

const consentChannels = z
  .array(z.nativeEnum(Channel))
  .min(1, 'at least one channel')
  .transform((l) => [...new Set(l)]);

const redirectUrl = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .refine((u) => {
    try {
      return ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL')
  .nullish()
  .transform((u) => u || null);

const tags = z.array(textField(100)).max(20, 'at most 20 tags');

export const createFormSchema = z.object({
  name: textField(200),
  fields,
  consentText,
  consentChannels: consentChannels.nullish().transform((c) => c ?? [Channel.EMAIL]),
  redirectUrl,
  thankYouMessage: optionalTextField(2000),
  leadSource: optionalTextField(200),
  tags: tags.nullish().transform((t) => t ?? []),
});

/** An edit: each field given is checked like on create; absent (or null) ones stay. */
export const updateFormSchema = z.object({
  name: textField(200).nullish(),
  fields: fields.nullish(),
  consentText: consentText.nullish(),
  consentChannels: consentChannels.nullish(),
  redirectUrl,
  thankYouMessage: optionalTextField(2000),
  leadSource: optionalTextField(200),
  tags: tags.nullish(),
});

export function formValues(v: z.output<typeof createFormSchema>): FormValues {
  return {
    name: v.name, fields: v.fields as FormFieldDef[], consentText: v.consentText, consentChannels: v.consentChannels,
    redirectUrl: v.redirectUrl, thankYouMessage: v.thankYouMessage ?? null, leadSource: v.leadSource ?? null, tags: v.tags,
  };
}
