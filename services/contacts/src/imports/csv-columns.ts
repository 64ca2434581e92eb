import { headerKey } from '@crm/platform';
import { LIMITS } from '../contacts/contact-input';
import type { CustomFieldDefinition } from '../custom-fields/custom-field.values';

/**
 * The CSV columns of contacts and companies that come in numbered series, in the form Google
 * Contacts, Outlook and most CRMs' exports use: the first (the primary) unnumbered, then
 * `email 2`, `email 3`…, `phone 2`…, `address 2.city`…. Shared by the exports (which write these
 * names) and the imports (which read them and the other tools' spellings of them).
 */

export const ADDRESS_PARTS = ['label', 'line1', 'line2', 'city', 'region', 'postalCode', 'country'] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

/** The first address's columns, with the header names other tools use for them (contacts and companies). */
export const ADDRESS_CSV_ALIASES = {
  'address.label': ['address label'],
  'address.line1': ['street', 'address', 'address line 1', 'street address', 'mailing street', 'billing street'],
  'address.line2': ['address line 2', 'street 2', 'street2'],
  'address.city': ['city', 'town', 'mailing city', 'billing city', 'ort', 'ville'],
  'address.region': ['region', 'state', 'province', 'state/region', 'mailing state', 'billing state'],
  'address.postalCode': ['postal code', 'zip', 'zip code', 'postcode', 'plz', 'mailing zip', 'billing zip', 'billing postal code'],
  'address.country': ['country', 'country code', 'country/region', 'mailing country', 'billing country', 'land', 'pays'],
} as const;

/** A part's name after the series number (`Address 2 - Postal Code` → postalCode), as headerKey reduces it. */
const PART_NAMES: Record<string, AddressPart> = {
  label: 'label', type: 'label',
  line1: 'line1', street: 'line1', streetaddress: 'line1', addressline1: 'line1',
  line2: 'line2', street2: 'line2', addressline2: 'line2', extendedaddress: 'line2',
  city: 'city', town: 'city',
  region: 'region', state: 'region', province: 'region',
  postalcode: 'postalCode', zip: 'postalCode', zipcode: 'postalCode', postcode: 'postalCode',
  country: 'country', countrycode: 'country',
};

/** Column name of the n-th (1-based) email or phone: `email`, `email 2`, … */
export const nthColumn = (series: 'email' | 'phone', n: number) => (n === 1 ? series : `${series} ${n}`);
/** Column name of a part of the n-th (1-based) address: `address.city`, `address 2.city`, … */
export const nthAddressColumn = (n: number, part: AddressPart) => (n === 1 ? `address.${part}` : `address ${n}.${part}`);

/** Every address column of the first `n` addresses, in export order. */
export const addressColumns = (n: number) => Array.from({ length: n }, (_, i) => ADDRESS_PARTS.map((p) => nthAddressColumn(i + 1, p))).flat();

/**
 * The numbered column a reduced header name (headerKey) means, or null: `email2`, `e-mail 2 address`,
 * `E-mail 2 - Value`, `email address 2` → `email 2`; `phone 2`, `Phone 2 - Value`, `phone number 2` → `phone 2`;
 * `address 2.city`, `Address 2 - City` → `address 2.city`. Numbers beyond the limits of a contact are not columns.
 */
export function numberedColumn(reduced: string): string | null {
  const series = /^(email|mail|emailaddress|phone|phonenumber|telephone|tel)(\d+)(address|value|number)?$/.exec(reduced);
  if (series) {
    const kind = series[1].includes('mail') ? 'email' : 'phone';
    const n = Number(series[2]);
    return n >= 1 && n <= (kind === 'email' ? LIMITS.emails : LIMITS.phones) ? nthColumn(kind, n) : null;
  }
  const address = /^address(\d+)\.?([a-z0-9]+)$/.exec(reduced);
  if (address) {
    const n = Number(address[1]);
    const part = PART_NAMES[address[2]];
    return part && n >= 1 && n <= LIMITS.addresses ? nthAddressColumn(n, part) : null;
  }
  return null;
}

/** Whether a (mapped) column is one of the numbered series. */
export const isNumberedColumn = (c: string) => /^(email|phone) \d+$/.test(c) || /^address \d+\.[a-zA-Z0-9]+$/.test(c);

/** The values of a series in a row, in order (`email`, `email 2`, … up to `max`). */
export function seriesValues(get: (column: string) => string | null, series: 'email' | 'phone', max: number): { column: string; value: string }[] {
  const out: { column: string; value: string }[] = [];
  for (let n = 1; n <= max; n++) {
    const value = get(nthColumn(series, n));
    if (value !== null) out.push({ column: nthColumn(series, n), value });
  }
  return out;
}

/** Splits a list cell (`a;b`, `a|b`; commas too for lists of emails, phones or domains where a comma cannot occur). */
export const splitList = (cell: string | null, separators: RegExp = /[;|]/) => (cell ?? '').split(separators).map((s) => s.trim()).filter(Boolean);

/** `cf.<key>` names a custom field; so does a column named exactly like a defined custom field (reduced header name → `cf.<key>` or null). */
export function customFieldColumn(defs: Map<string, CustomFieldDefinition>): (reduced: string) => string | null {
  const byReduced = new Map([...defs.keys()].map((k) => [headerKey(k), k]));
  return (reduced) => {
    const def = byReduced.get(reduced.startsWith('cf.') ? reduced.slice(3) : reduced);
    return def ? `cf.${def}` : null;
  };
}
