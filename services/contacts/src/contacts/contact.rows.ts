import type { EntityManager } from 'typeorm';
import type { ContactSnapshot } from '@crm/events';
import type { Channel, ConsentRecord, Contact } from './contact.types';

/** Row shape of `contacts` plus its emails, phones, consents (loaded in bulk, never per contact). */
export interface ContactRow {
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
  merged_into: string | null;
  erased_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  emails: { email: string; normalized: string; primary: boolean }[];
  phones: { phone: string; e164: string; primary: boolean }[];
  consents: { channel: string; status: string; legal_basis: string | null; source: string | null; recorded_at: string }[];
  company_name: string | null;
}

const CONTACT_COLUMNS = `
  c.*, co.name AS company_name,
    coalesce((SELECT json_agg(json_build_object('email', e.email, 'normalized', e.normalized, 'primary', e.is_primary) ORDER BY e.is_primary DESC, e.normalized)
              FROM contact_emails e WHERE e.contact_id = c.id), '[]') AS emails,
    coalesce((SELECT json_agg(json_build_object('phone', p.phone, 'e164', p.e164, 'primary', p.is_primary) ORDER BY p.is_primary DESC, p.e164)
              FROM contact_phones p WHERE p.contact_id = c.id), '[]') AS phones,
    coalesce((SELECT json_agg(json_build_object('channel', k.channel, 'status', k.status, 'legal_basis', k.legal_basis, 'source', k.source, 'recorded_at', k.recorded_at) ORDER BY k.channel)
              FROM consents k WHERE k.contact_id = c.id), '[]') AS consents`;
const CONTACT_FROM = `FROM contacts c LEFT JOIN companies co ON co.id = c.company_id`;
const SELECT_CONTACT = `SELECT ${CONTACT_COLUMNS} ${CONTACT_FROM}`;

export async function loadContacts(m: EntityManager, tenantId: string, ids: string[]): Promise<ContactRow[]> {
  if (!ids.length) return [];
  return m.query(`${SELECT_CONTACT} WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])`, [tenantId, ids]);
}

export async function loadContact(m: EntityManager, tenantId: string, id: string): Promise<ContactRow | undefined> {
  return (await loadContacts(m, tenantId, [id]))[0];
}

/**
 * Query for a page of contacts: the WHERE/ORDER parts are built by the search service; `sortKey`
 * (SQL, text) is selected as `sort_key` so cursors carry the exact value Postgres sorted by.
 */
export function selectContactsWhere(where: string, order: string, limitParam: string, sortKey: string): string {
  return `SELECT ${CONTACT_COLUMNS}, ${sortKey} AS sort_key ${CONTACT_FROM} WHERE ${where} ORDER BY ${order} LIMIT ${limitParam}`;
}

export function toSnapshot(r: ContactRow): ContactSnapshot {
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
    customFields,
    ownerId: r.owner_id,
    lifecycleStage: r.lifecycle_stage,
    source: r.source ? { source: r.source.source ?? null, medium: r.source.medium ?? null, campaign: r.source.campaign ?? null, term: r.source.term ?? null, content: r.source.content ?? null } : null,
    mergedIntoId: r.merged_into,
    erased: r.erased_at !== null,
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

/** Recomputes search_text from the rows (after changes to emails, phones, names, company). */
export async function refreshSearchText(m: EntityManager, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const rows = await m.query(
    `SELECT c.id, c.first_name, c.last_name, c.display_name, co.name AS company_name,
       coalesce((SELECT array_agg(normalized) FROM contact_emails e WHERE e.contact_id = c.id), '{}') AS emails,
       coalesce((SELECT array_agg(e164) FROM contact_phones p WHERE p.contact_id = c.id), '{}') AS phones
     FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ANY($1::uuid[])`,
    [ids],
  );
  await m.query(
    `UPDATE contacts c SET search_text = u.t FROM unnest($1::uuid[], $2::text[]) AS u(id, t) WHERE c.id = u.id`,
    [
      rows.map((r: any) => r.id),
      rows.map((r: any) => searchTextOf({ firstName: r.first_name, lastName: r.last_name, displayName: r.display_name, emails: r.emails, phones: r.phones, companyName: r.company_name })),
    ],
  );
}

/** A row of the append-only `consent_history`. */
export interface ConsentHistoryRow {
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

/**
 * Consent history of each contact and of the contacts merged into it, newest first, in one query
 * for many contacts (a list of contacts asking for it is one round trip). RLS binds the tenant.
 */
export async function loadConsentHistories(m: EntityManager, contactIds: readonly string[], channel: string | null): Promise<Map<string, ConsentHistoryRow[]>> {
  const rows: (ConsentHistoryRow & { owner_id: string })[] = await m.query(
    `SELECT x.owner_id::text, h.contact_id, h.channel, h.status, h.legal_basis, h.source, h.wording, h.wording_version, h.recorded_by, h.recorded_at
       FROM (SELECT id AS owner_id, id AS contact_id FROM unnest($1::uuid[]) AS id
             UNION ALL SELECT merged_into, id FROM contacts WHERE merged_into = ANY($1::uuid[])) x
       JOIN consent_history h ON h.contact_id = x.contact_id
      WHERE $2::text IS NULL OR h.channel = $2
      ORDER BY h.recorded_at DESC, h.id DESC`,
    [[...new Set(contactIds)], channel],
  );
  const out = new Map<string, ConsentHistoryRow[]>();
  for (const { owner_id, ...row } of rows) {
    const list = out.get(owner_id) ?? [];
    list.push(row);
    out.set(owner_id, list);
  }
  return out;
}

export async function loadConsentHistory(m: EntityManager, contactId: string, channel: string | null): Promise<ConsentHistoryRow[]> {
  return (await loadConsentHistories(m, [contactId], channel)).get(contactId) ?? [];
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
