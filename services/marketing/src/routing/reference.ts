import type { Channel } from '../delivery/channel.port';
import type { SkipReason } from '@crm/events';
import { reachableAddress, type PostalAddressInput } from '@crm/shared-contacts';

/**
 * The routing rule in plain TypeScript: the reference the set-based SQL (route.sql.ts) must agree
 * with (routing.int-spec.ts runs both over the same table of cases). Not used on the hot path.
 *
 * For one recipient: ERASED, ARCHIVED, EXCLUDED (an exclude segment) decide first. Otherwise each
 * of the contact's preferred channels, in the contact's order (or the A/B variant's channel order),
 * is passed over when the campaign does not allow it (NO_ALLOWED_CHANNEL), its latest consent
 * record is not `granted` (NO_CONSENT), it has no usable address (NO_ADDRESS) or the address is on
 * the suppression list (SUPPRESSED); the first channel that passes is chosen. With none, the reason
 * is the one of the contact's first channel the campaign allows — the most preferred channel the
 * marketer could have used, so its reason is what to fix — or NO_ALLOWED_CHANNEL when none is
 * allowed. A chosen channel is still skipped as FREQUENCY_CAP when the contact already got `cap`
 * messages of other campaigns in the window.
 */
export interface RoutingContact {
  preferredChannels: readonly Channel[];
  consents: readonly { channel: string; status: string; recordedAt: string }[];
  primaryEmail: string | null;
  primaryPhone: string | null;
  addresses: readonly { line1?: string | null; line2?: string | null; city?: string | null; region?: string | null; postalCode?: string | null; country?: string | null; primary?: boolean | null }[];
  socialHandles: readonly { network?: string | null; handle?: string | null }[];
  erasedAt: Date | string | null;
  archivedAt: Date | string | null;
}

export interface RoutingContext {
  allowed: readonly Channel[];
  /** An A/B variant's channel order: replaces the contact's order, and only these channels are allowed. */
  variantChannelOrder?: readonly Channel[] | null;
  excluded: boolean;
  /** Suppressed `${channel}:${address}` pairs. */
  suppressed: ReadonlySet<string>;
  recentMessages: number;
  frequencyCap: number;
}

export interface RoutingDecision {
  channel: Channel | null;
  address: string | null;
  skipReason: SkipReason | null;
  passedOver: { channel: Channel; reason: SkipReason }[];
}

// The same patterns as route.sql.ts (contacts stores normalised emails and E.164 phones; these only refuse junk).
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
export const PHONE_PATTERN = /^\+[1-9][0-9]{6,14}$/;

function latestConsent(c: RoutingContact, channel: Channel): string | null {
  let best: { at: number; status: string } | null = null;
  for (const r of c.consents) {
    if (r.channel !== channel) continue;
    const parsed = /^\d{4}-\d{2}-\d{2}/.test(r.recordedAt) ? Date.parse(r.recordedAt) : NaN;
    const at = Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
    if (!best || at >= best.at) best = { at, status: r.status };
  }
  return best?.status ?? null;
}

/** The usable address on a channel, as the SQL computes it. */
export function routingAddress(c: RoutingContact, channel: Channel): string | null {
  switch (channel) {
    case 'email':
      return c.primaryEmail && EMAIL_PATTERN.test(c.primaryEmail) ? c.primaryEmail.toLowerCase() : null;
    case 'sms':
    case 'phone':
      return c.primaryPhone && PHONE_PATTERN.test(c.primaryPhone) ? c.primaryPhone : null;
    case 'post':
    case 'social':
      // The shared rule (postal lines: street, city, country; social: network:handle), which the SQL mirrors.
      return reachableAddress({ preferredChannels: [], consents: [], addresses: c.addresses as PostalAddressInput[], socialHandles: c.socialHandles as { network: string; handle: string }[] }, channel);
    default:
      return null;
  }
}

export function routeRecipient(c: RoutingContact, ctx: RoutingContext): RoutingDecision {
  const none = (skipReason: SkipReason): RoutingDecision => ({ channel: null, address: null, skipReason, passedOver: [] });
  if (c.erasedAt) return none('ERASED');
  if (c.archivedAt) return none('ARCHIVED');
  if (ctx.excluded) return none('EXCLUDED');
  const order = ctx.variantChannelOrder;
  const allowed = order ?? ctx.allowed;
  const channels = c.preferredChannels
    .map((ch, i) => ({ ch, sort: order ? (order.includes(ch) ? order.indexOf(ch) : 1000 + i) : i }))
    .sort((a, b) => a.sort - b.sort)
    .map((x) => x.ch);
  const passedOver: RoutingDecision['passedOver'] = [];
  for (const ch of channels) {
    let reason: SkipReason | null = null;
    const address = routingAddress(c, ch);
    if (!allowed.includes(ch)) reason = 'NO_ALLOWED_CHANNEL';
    else if (latestConsent(c, ch) !== 'granted') reason = 'NO_CONSENT';
    else if (!address) reason = 'NO_ADDRESS';
    else if (ctx.suppressed.has(`${ch}:${address}`)) reason = 'SUPPRESSED';
    if (!reason) {
      if (ctx.recentMessages >= ctx.frequencyCap) return { channel: null, address: null, skipReason: 'FREQUENCY_CAP', passedOver };
      return { channel: ch, address, skipReason: null, passedOver };
    }
    passedOver.push({ channel: ch, reason });
  }
  const firstAllowed = passedOver.find((p) => p.reason !== 'NO_ALLOWED_CHANNEL');
  return { channel: null, address: null, skipReason: firstAllowed?.reason ?? 'NO_ALLOWED_CHANNEL', passedOver };
}
