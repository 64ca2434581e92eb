import { textProblem } from '@crm/platform';
import { ATTRIBUTION_MAX_LENGTH } from '@crm/shared-kernel';
import { normaliseEmail, normalisePhone } from '@crm/shared-contacts';

/** The contact fields a form field may fill; `custom.<key>` fills the tenant's contact custom field `<key>`. */
export const CONTACT_TARGETS = ['email', 'phone', 'firstName', 'lastName', 'company', 'country'] as const;
export type ContactTarget = (typeof CONTACT_TARGETS)[number];

/** Same rule as contacts' custom-field keys; whether the key exists is for contacts to decide. */
const CUSTOM_KEY = /^custom\.[a-z][a-z0-9_]{0,62}$/;

/** Hidden inputs every form carries: the UTM parameters and the paid keyword. */
export const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'keyword'] as const;
/** The consent checkbox's input name. */
export const CONSENT_FIELD = 'consent';
/**
 * The honeypot: an input hidden from people (off-screen, aria-hidden, not focusable) that form-filling
 * bots fill. Named like something a bot wants to fill.
 */
export const HONEYPOT_FIELD = 'website_url';

export const RESERVED_FIELDS: readonly string[] = [...UTM_FIELDS, CONSENT_FIELD, HONEYPOT_FIELD];

export function isFieldTarget(target: string): boolean {
  return (CONTACT_TARGETS as readonly string[]).includes(target) || CUSTOM_KEY.test(target);
}

/** One input of a form: which contact field it fills (also its input name), its label, whether it is required. */
export interface FormFieldDef {
  field: string;
  label: string;
  required: boolean;
}

/** Longest value of one text input (a name, a custom field); the whole body is capped at 16 kB anyway. */
const MAX_VALUE = 1000;

export interface FieldError {
  field: string;
  message: string;
}

/** What a valid submission holds, normalised. */
export interface ParsedSubmission {
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  country: string | null;
  customFields: Record<string, string>;
  /** Every form field's value as entered (trimmed), for the stored submission. */
  values: Record<string, string>;
  utm: Record<(typeof UTM_FIELDS)[number], string | null>;
  consent: boolean;
}

/** A body value as text: urlencoded bodies give strings (or arrays for repeated names), JSON bodies anything. */
function text(v: unknown): string | null {
  if (Array.isArray(v)) return text(v[v.length - 1]);
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** `\0` and lone surrogates cannot be stored (the kernel's safe-text rule). */
const unsafe = (s: string): boolean => textProblem(s) !== null;

const TRUTHY = new Set(['on', 'true', 'yes', '1']);

/** Checks a public submission against its form: every bad field at once. */
export function parseSubmission(
  fields: FormFieldDef[],
  body: Record<string, unknown>,
): ({ ok: true; value: ParsedSubmission } | { ok: false; errors: FieldError[] }) & { honeypot: boolean } {
  const errors: FieldError[] = [];
  const out: ParsedSubmission = {
    email: null, phone: null, firstName: null, lastName: null, company: null, country: null,
    customFields: {}, values: {}, utm: { utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null, keyword: null },
    consent: false,
  };
  const honeypot = !!text(body[HONEYPOT_FIELD]);
  for (const f of fields) {
    const v = text(body[f.field]);
    if (v === null) {
      if (f.required) errors.push({ field: f.field, message: 'required' });
      continue;
    }
    if (v.length > MAX_VALUE || unsafe(v)) {
      errors.push({ field: f.field, message: unsafe(v) ? 'contains characters that are not text' : `must be at most ${MAX_VALUE} characters` });
      continue;
    }
    out.values[f.field] = v;
    switch (f.field) {
      case 'email': {
        const e = normaliseEmail(v);
        if (e) out.email = e;
        else errors.push({ field: f.field, message: 'not a valid email address' });
        break;
      }
      case 'phone': {
        const p = normalisePhone(v);
        if (p) out.phone = p;
        else errors.push({ field: f.field, message: 'not a valid phone number (use the international form, +44…)' });
        break;
      }
      case 'country':
        if (/^[A-Za-z]{2}$/.test(v)) out.country = v.toUpperCase();
        else errors.push({ field: f.field, message: 'must be a two-letter ISO 3166 country code' });
        break;
      case 'firstName':
      case 'lastName':
      case 'company':
        out[f.field] = v;
        break;
      default:
        out.customFields[f.field.slice('custom.'.length)] = v;
    }
  }
  // Someone must be reachable: contacts creates or finds the person by email or phone.
  const hasEmailField = fields.some((f) => f.field === 'email');
  const hasPhoneField = fields.some((f) => f.field === 'phone');
  if (!out.email && !out.phone && !errors.some((e) => e.field === 'email' || e.field === 'phone')) {
    errors.push({ field: hasEmailField || !hasPhoneField ? 'email' : 'phone', message: hasEmailField && hasPhoneField ? 'an email address or a phone number is required' : 'required' });
  }
  for (const k of UTM_FIELDS) {
    const v = text(body[k]);
    if (v === null) continue;
    if (v.length > ATTRIBUTION_MAX_LENGTH || unsafe(v)) errors.push({ field: k, message: `must be text of at most ${ATTRIBUTION_MAX_LENGTH} characters` });
    else out.utm[k] = v;
  }
  const consent = text(body[CONSENT_FIELD]);
  out.consent = consent !== null && TRUTHY.has(consent.toLowerCase());
  if (!out.consent) errors.push({ field: CONSENT_FIELD, message: 'the consent box must be ticked' });
  return errors.length ? { ok: false, errors, honeypot } : { ok: true, value: out, honeypot };
}
