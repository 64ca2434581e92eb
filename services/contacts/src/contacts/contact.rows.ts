import { ATTRIBUTION_FIELDS, type Attribution } from '@crm/shared-kernel';
import type { Row } from '@crm/platform';
import type { ContactSnapshot } from '@crm/events';
import type { Channel, ConsentRecord, Contact } from './contact.types';

/** Row shape of `contacts` plus its emails, phones, consents (loaded in bulk, never per contact). */
export interface ContactRow extends Row {
  id: string;
  tenant_id: string;
  first_name: string | null;
  last_name: string | null;
  display_name: string;
  company_id: string | null;
  owner_id: string | null;
  lifecycle_stage: string | null;
  source: Record<string, string | null> | null;
  tags: string[];
  preferred_channels: string[];
  custom_fields: Record<string, unknown>;
  addresses: Record<string, string | null>[];
  social_handles: { network: string; handle: string }[];
  time_zone: string | null;
  merged_into: string | null;
  erased_at: Date | null;
  archived_at: Date | null;
  archived_by?: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  emails: { email: string; normalized: string; primary: boolean }[];
  phones: { phone: string; e164: string; primary: boolean }[];
  consents: { channel: string; status: string; legal_basis: string | null; source: string | null; recorded_at: string }[];
  company_name: string | null;
}

/** The snapshot's custom field values: what the jsonb holds (text, number, boolean; dates as YYYY-MM-DD). */
type SnapshotCustomValue = string | number | boolean | null;

export function snapshotCustomFields(values: Record<string, unknown>): Record<string, SnapshotCustomValue> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v)]),
  );
}

/** A stored address as the snapshot carries it; the first one is the primary. */
function snapshotAddress(a: Record<string, string | null>, i: number) {
  return {
    label: a.label ?? null, line1: a.line1 ?? null, line2: a.line2 ?? null, city: a.city ?? null, region: a.region ?? null,
    postalCode: a.postalCode ?? null, country: a.country ? a.country.toUpperCase() : null, primary: i === 0,
  };
}

export function toSnapshot(r: ContactRow): ContactSnapshot {
  const addresses = r.addresses.map(snapshotAddress);
  return {
    contactId: r.id,
    version: r.version,
    firstName: r.first_name,
    lastName: r.last_name,
    displayName: r.display_name,
    emails: r.emails.map((e) => ({ email: e.normalized, primary: e.primary })),
    phones: r.phones.map((p) => ({ phone: p.e164, primary: p.primary })),
    companyId: r.company_id,
    companyName: r.company_name,
    tags: r.tags,
    ownerId: r.owner_id,
    lifecycleStage: r.lifecycle_stage,
    preferredChannels: r.preferred_channels as ContactSnapshot['preferredChannels'],
    consents: r.consents.map((k) => ({
      channel: k.channel as ContactSnapshot['preferredChannels'][number],
      status: k.status as 'granted' | 'withdrawn',
      legalBasis: k.legal_basis,
      recordedAt: new Date(k.recorded_at).toISOString(),
    })),
    addresses,
    socialHandles: r.social_handles.map((h) => ({ network: h.network, handle: h.handle })),
    country: addresses[0]?.country ?? null,
    timeZone: r.time_zone,
    customFields: snapshotCustomFields(r.custom_fields),
    createdAt: new Date(r.created_at).toISOString(),
  };
}

export function toGraphql(r: ContactRow, customFields: Contact['customFields']): Contact {
  const primaryEmail = r.emails.find((e) => e.primary) ?? r.emails[0];
  const primaryPhone = r.phones.find((p) => p.primary) ?? r.phones[0];
  return {
    id: r.id,
    firstName: r.first_name,
    lastName: r.last_name,
    displayName: r.display_name,
    email: primaryEmail?.email ?? null,
    phone: primaryPhone?.e164 ?? null,
    emails: r.emails.map((e) => ({ email: e.email, primary: e.primary })),
    phones: r.phones.map((p) => ({ phone: p.phone, e164: p.e164, primary: p.primary })),
    companyId: r.company_id,
    tags: r.tags,
    preferredChannels: r.preferred_channels as Channel[],
    consents: r.consents.map((k) => ({
      channel: k.channel as Channel,
      granted: k.status === 'granted',
      legalBasis: k.legal_basis,
      source: k.source,
      recordedAt: new Date(k.recorded_at),
    })),
    addresses: r.addresses.map((a) => ({
      label: a.label ?? null, line1: a.line1 ?? null, line2: a.line2 ?? null, city: a.city ?? null, region: a.region ?? null, postalCode: a.postalCode ?? null, country: a.country ?? null,
    })),
    socialHandles: r.social_handles.map((h) => ({ network: h.network, handle: h.handle })),
    timeZone: r.time_zone,
    customFields,
    ownerId: r.owner_id,
    lifecycleStage: r.lifecycle_stage,
    source: r.source ? Object.fromEntries(ATTRIBUTION_FIELDS.map((k) => [k, r.source![k] ?? null])) as Attribution : null,
    mergedIntoId: r.merged_into,
    erased: r.erased_at !== null,
    archivedAt: r.archived_at,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Text the full-text index covers: names, emails (whole and split), phones (with and without +), company. */
export function searchTextOf(p: { firstName?: string | null; lastName?: string | null; displayName: string; emails: string[]; phones: string[]; companyName?: string | null }): string {
  return [
    p.firstName, p.lastName, p.displayName,
    ...p.emails.flatMap((e) => [e, e.replace(/[@.]/g, ' ')]),
    ...p.phones.flatMap((ph) => [ph.replace(/^\+/, ''), ph.slice(-10)]),
    p.companyName,
  ].filter(Boolean).join(' ');
}

/** A row of the append-only `consent_history`. */
export interface ConsentHistoryRow extends Row {
  contact_id: string;
  channel: string;
  status: string;
  legal_basis: string | null;
  source: string | null;
  wording: string | null;
  wording_version: string | null;
  recorded_by: string | null;
  recorded_at: Date;
}

export function toConsentRecord(r: ConsentHistoryRow): ConsentRecord {
  return {
    channel: r.channel as Channel,
    granted: r.status === 'granted',
    legalBasis: r.legal_basis,
    source: r.source,
    wording: r.wording,
    wordingVersion: r.wording_version,
    recordedBy: r.recorded_by,
    recordedAt: new Date(r.recorded_at),
  };
}
