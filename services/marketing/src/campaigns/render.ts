/**
 * Personalisation of campaign content: `{{firstName}}`, `{{company}}`, `{{custom.<key>}}`… with a
 * per-placeholder fallback (`{{firstName|there}}`), values HTML-escaped in HTML. Pure: the dispatcher
 * renders each message at send time from the contact replica (so an erasure before the send leaves
 * nothing to render), the use cases validate templates with `unknownPlaceholders`.
 */

/** The contact fields a template may name (besides `custom.<key>`). */
export const PLACEHOLDERS = ['firstName', 'lastName', 'displayName', 'fullName', 'company', 'email', 'phone', 'country'] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];

export interface RenderContact {
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  company: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  custom: Record<string, unknown>;
}

// {{ name }} or {{ name | fallback }}; the fallback may hold anything but braces and newlines.
const TOKEN = /\{\{\s*([A-Za-z0-9_.-]*)\s*(?:\|([^{}\n]*))?\}\}/g;

/** The placeholders of a template that name no known field (each as written, e.g. "favouriteColour"). */
export function unknownPlaceholders(template: string): string[] {
  const bad = new Set<string>();
  for (const m of template.matchAll(TOKEN)) {
    const name = m[1];
    if (name.startsWith('custom.') && name.length > 'custom.'.length) continue;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) bad.add(name);
  }
  return [...bad];
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function valueOf(c: RenderContact, name: string): string | null {
  if (name.startsWith('custom.')) {
    const v = c.custom[name.slice('custom.'.length)];
    return v === null || v === undefined || v === '' ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  const fullName = [c.firstName, c.lastName].filter(Boolean).join(' ') || null;
  const v: Record<PlaceholderName, string | null> = {
    firstName: c.firstName, lastName: c.lastName, displayName: c.displayName, fullName, company: c.company,
    email: c.email, phone: c.phone, country: c.country,
  };
  const out = v[name as PlaceholderName];
  return out ? out : null;
}

/** The template with every placeholder replaced: the value, else its fallback, else ''. `html` escapes both. */
export function render(template: string, c: RenderContact, html = false): string {
  return template.replace(TOKEN, (_m, name: string, fallback: string | undefined) => {
    const v = valueOf(c, name) ?? fallback?.trim() ?? '';
    return html ? escapeHtml(v) : v;
  });
}

// GSM 03.38 basic character set and its extension table (each extension character takes two septets).
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('^{}\\[~]|€\f');

export interface SmsSegments {
  encoding: 'GSM_7' | 'UCS_2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  segments: number;
}

/** How many SMS parts a text takes: GSM-7 160 per single part / 153 per concatenated part; UCS-2 70 / 67. */
export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM7_BASIC.has(ch)) septets += 1;
    else if (GSM7_EXTENSION.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM_7', units: septets, segments: septets === 0 ? 0 : septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = text.length;
  return { encoding: 'UCS_2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
