import type { ContactSnapshot, PostalAddress } from '@crm/events';
import { normaliseEmail, normalisePhone } from '../normalise';

export type ContactChannel = ContactSnapshot['preferredChannels'][number];
export type ContactConsent = ContactSnapshot['consents'][number];
export type PostalAddressInput = Pick<PostalAddress, 'line1' | 'line2' | 'city' | 'region' | 'postalCode' | 'country' | 'primary'>;

/**
 * A postal address a letter can be sent to: a street line, a city and a country at least (the
 * postal code is not required: many countries have none). The lines of the envelope, or null.
 */
export function postalLines(a: PostalAddressInput): string[] | null {
  const line1 = a.line1?.trim();
  const city = a.city?.trim();
  const country = a.country?.trim();
  if (!line1 || !city || !country) return null;
  const cityLine = [a.postalCode?.trim(), city, a.region?.trim()].filter(Boolean).join(' ');
  return [line1, a.line2?.trim(), cityLine, country.toUpperCase()].filter((x): x is string => !!x);
}

/** What the rule needs of a contact: a `ReplicaContact` or a `ContactSnapshot` both fit. */
export interface ReachabilityInput {
  preferredChannels: readonly ContactChannel[];
  consents: readonly Pick<ContactConsent, 'channel' | 'status' | 'recordedAt'>[];
  emails?: readonly { email: string; primary: boolean }[];
  phones?: readonly { phone: string; primary: boolean }[];
  primaryEmail?: string | null;
  primaryPhone?: string | null;
  addresses?: readonly PostalAddressInput[];
  socialHandles?: readonly { network: string; handle: string }[];
  erasedAt?: Date | string | null;
  mergedInto?: string | null;
}

/** Current consent per channel: the latest record by `recordedAt` (ties: the later entry wins). */
export function consentStatus(contact: Pick<ReachabilityInput, 'consents'>, channel: ContactChannel): ContactConsent['status'] | null {
  let best: { at: number; status: ContactConsent['status'] } | null = null;
  for (const c of contact.consents) {
    if (c.channel !== channel) continue;
    const parsed = Date.parse(c.recordedAt);
    const at = Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
    if (!best || at >= best.at) best = { at, status: c.status };
  }
  return best?.status ?? null;
}

function candidates<T extends { primary: boolean }>(primary: string | null | undefined, list: readonly T[] | undefined, value: (t: T) => string): string[] {
  const sorted = [...(list ?? [])].sort((a, b) => Number(b.primary) - Number(a.primary)).map(value);
  return primary ? [primary, ...sorted] : sorted;
}

/**
 * The usable address of a contact on a channel, primary first: a plausible email for `email`, a
 * valid phone number (E.164) for `sms` and `phone`, a complete postal address for `post` (its lines
 * joined by newlines), a social handle for `social` (`network:handle`, the first one).
 */
export function reachableAddress(contact: ReachabilityInput, channel: ContactChannel): string | null {
  switch (channel) {
    case 'email':
      for (const e of candidates(contact.primaryEmail, contact.emails, (x) => x.email)) {
        const v = normaliseEmail(e);
        if (v) return v;
      }
      return null;
    case 'sms':
    case 'phone':
      for (const p of candidates(contact.primaryPhone, contact.phones, (x) => x.phone)) {
        const v = normalisePhone(p);
        if (v) return v;
      }
      return null;
    case 'post':
      for (const a of [...(contact.addresses ?? [])].sort((x, y) => Number(y.primary) - Number(x.primary))) {
        const lines = postalLines(a);
        if (lines) return lines.join('\n');
      }
      return null;
    case 'social':
      for (const h of contact.socialHandles ?? []) {
        const network = h.network.trim().toLowerCase();
        const handle = h.handle.trim();
        if (network && handle) return `${network}:${handle}`;
      }
      return null;
    default:
      return null;
  }
}

/**
 * Whom and which channel — the rule every campaign/notification follows: the first of the contact's
 * preferred channels (in their order) whose current consent is granted (no record = no consent) and
 * for which the contact has a usable address. Null when there is none, and always for an erased or
 * merged-away contact (resolve the survivor first; `ContactReplica.get` does).
 */
export function preferredReachableChannel(contact: ReachabilityInput): ContactChannel | null {
  if (contact.erasedAt || contact.mergedInto) return null;
  for (const channel of contact.preferredChannels) {
    if (consentStatus(contact, channel) !== 'granted') continue;
    if (reachableAddress(contact, channel)) return channel;
  }
  return null;
}
