import { Injectable } from '@nestjs/common';
import { scrubAuditOfContacts, SqlParams, type KeysetPage, type KeysetRow, type Row, type Tx } from '@crm/platform';
import { searchTextOf, type ConsentHistoryRow, type ContactRow } from './contact.rows';
import type { Channel } from './contact.types';

const CONTACT_COLUMNS = `
  c.*, co.name AS company_name,
    coalesce((SELECT json_agg(json_build_object('email', e.email, 'normalized', e.normalized, 'primary', e.is_primary) ORDER BY e.is_primary DESC, e.position, e.normalized)
              FROM contact_emails e WHERE e.contact_id = c.id), '[]') AS emails,
    coalesce((SELECT json_agg(json_build_object('phone', p.phone, 'e164', p.e164, 'primary', p.is_primary) ORDER BY p.is_primary DESC, p.position, p.e164)
              FROM contact_phones p WHERE p.contact_id = c.id), '[]') AS phones,
    coalesce((SELECT json_agg(json_build_object('channel', k.channel, 'status', k.status, 'legal_basis', k.legal_basis, 'source', k.source, 'recorded_at', k.recorded_at) ORDER BY k.channel)
              FROM consents k WHERE k.contact_id = c.id), '[]') AS consents`;
const CONTACT_FROM = `FROM contacts c LEFT JOIN companies co ON co.id = c.company_id`;
const SELECT_CONTACT = `SELECT ${CONTACT_COLUMNS} ${CONTACT_FROM}`;

/** What the create hot path writes in one statement: the row with its emails and phones. */
export interface NewContact {
  id: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string;
  companyId: string | null;
  ownerId: string | null;
  lifecycleStage: string | null;
  source: Record<string, string | null> | null;
  tags: string[];
  preferredChannels: string[];
  customFields: Record<string, unknown>;
  addresses: Record<string, string | null>[];
  socialHandles: { network: string; handle: string }[];
  timeZone: string | null;
  searchText: string;
  /** Primary first. */
  emails: { raw: string; normalized: string }[];
  phones: { raw: string; normalized: string }[];
}

/** Columns updateContact may change (undefined: unchanged; null: cleared). */
export interface ContactChanges {
  first_name?: string | null;
  last_name?: string | null;
  company_id?: string | null;
  owner_id?: string | null;
  lifecycle_stage?: string | null;
  source?: string | null;
  tags?: string[];
  preferred_channels?: string[];
  addresses?: string;
  social_handles?: string;
  time_zone?: string | null;
  custom_fields?: string;
}

/** One consent decision as recorded (current state + append-only evidence). */
export interface ConsentDecision {
  channel: string;
  status: 'granted' | 'withdrawn';
  legalBasis: string | null;
  source: string | null;
  wording: string | null;
  wordingVersion: string | null;
  /** The event of another module the decision came from (an unsubscribe, a form submission). */
  sourceEventId?: string | null;
}

/** An email or phone already held by a contact. */
export interface DuplicateHit extends Row {
  contact_id: string;
  value: string;
  kind: 'email' | 'phone';
  display_name: string;
}

/** The contact filters of the list (and of the CSV export); values travel as bind parameters. */
export interface ContactSearch {
  /** A prefix tsquery (toPrefixQuery). */
  tsquery?: string | null;
  tags?: string[] | null;
  companyId?: string | null;
  ownerId?: string | null;
  /** Owned by a member of this team. */
  teamId?: string | null;
  lifecycleStage?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  consentedChannel?: string | null;
  /** true: only archived contacts (to find and restore them); otherwise archived ones are hidden. */
  archived?: boolean | null;
}

/** What bulkUpdateContacts changes (undefined: unchanged; null clears owner or stage). */
export interface BulkContactChange {
  addTags?: string[];
  removeTags?: string[];
  ownerId?: string | null;
  lifecycleStage?: string | null;
}

/** Per field of a merge, whose value wins (fields left out: the survivor's). */
export type MergePreference = Partial<Record<'firstName' | 'lastName' | 'companyId' | 'ownerId' | 'lifecycleStage' | 'source' | 'addresses' | 'customFields' | 'timeZone', 'survivor' | 'duplicate'>>;

type ChildTable = { table: 'contact_emails'; key: 'normalized'; raw: 'email' } | { table: 'contact_phones'; key: 'e164'; raw: 'phone' };
export const EMAILS: ChildTable = { table: 'contact_emails', key: 'normalized', raw: 'email' };
export const PHONES: ChildTable = { table: 'contact_phones', key: 'e164', raw: 'phone' };

/**
 * The SQL of contacts and what hangs off them (emails, phones, consents, merges). Row-level
 * security binds every statement to the transaction's tenant; `tenant_id = $1` helps the planner.
 */
@Injectable()
export class ContactRepository {
  async findMany(tx: Tx, ids: readonly string[]): Promise<ContactRow[]> {
    if (!ids.length) return [];
    return tx.prepared<ContactRow>(`${SELECT_CONTACT} WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])`, [tx.tenantId, ids]);
  }

  async find(tx: Tx, id: string): Promise<ContactRow | undefined> {
    return (await this.findMany(tx, [id]))[0];
  }

  /**
   * The contact an event of another module about `id` applies to, locked: the contact itself, or the
   * survivor it was merged into (merges re-point older tombstones, so one hop is enough). Undefined
   * when the id names no contact of the tenant.
   */
  async lockCurrent(tx: Tx, id: string): Promise<{ id: string; erased_at: Date | null; archived_at: Date | null } | undefined> {
    const row = await tx.maybeOne<{ id: string; merged_into: string | null }>(`SELECT id, merged_into FROM contacts WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
    if (!row) return undefined;
    return tx.maybeOne<{ id: string; erased_at: Date | null; archived_at: Date | null }>(
      `SELECT id, erased_at, archived_at FROM contacts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tx.tenantId, row.merged_into ?? row.id],
    );
  }

  /** Locks the contact row for the rest of the transaction; false when it does not exist. */
  async lock(tx: Tx, id: string): Promise<boolean> {
    return !!(await tx.maybeOne<{ id: string }>(`SELECT id FROM contacts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]));
  }

  /** The create hot path's one statement: the row, its emails and phones. */
  async insert(tx: Tx, c: NewContact): Promise<{ created_at: Date; updated_at: Date }> {
    // Prepared: createContact's one write statement, parsed and planned once per connection.
    const [written] = await tx.prepared<{ created_at: Date; updated_at: Date }>(
      `WITH c AS (
         INSERT INTO contacts (id, tenant_id, first_name, last_name, display_name, company_id, owner_id, lifecycle_stage, source, tags, preferred_channels, custom_fields, addresses, search_text, social_handles, time_zone)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $19, $20) RETURNING created_at, updated_at),
       e AS (
         INSERT INTO contact_emails (tenant_id, normalized, email, contact_id, is_primary)
         SELECT $2, n, r, $1, o = 1 FROM unnest($15::text[], $16::text[]) WITH ORDINALITY AS u(n, r, o)),
       p AS (
         INSERT INTO contact_phones (tenant_id, e164, phone, contact_id, is_primary)
         SELECT $2, n, r, $1, o = 1 FROM unnest($17::text[], $18::text[]) WITH ORDINALITY AS u(n, r, o))
       SELECT created_at, updated_at FROM c`,
      [
        c.id, tx.tenantId, c.firstName, c.lastName, c.displayName, c.companyId, c.ownerId, c.lifecycleStage,
        c.source ? JSON.stringify(c.source) : null, c.tags, c.preferredChannels, JSON.stringify(c.customFields), JSON.stringify(c.addresses), c.searchText,
        c.emails.map((e) => e.normalized), c.emails.map((e) => e.raw), c.phones.map((p) => p.normalized), c.phones.map((p) => p.raw),
        JSON.stringify(c.socialHandles), c.timeZone,
      ],
    );
    if (!written) throw new Error('the contact insert returned no row');
    return written;
  }

  /** Applies the changed columns; nothing when there are none. */
  async update(tx: Tx, id: string, changes: ContactChanges): Promise<void> {
    const q = new SqlParams(tx.tenantId, id);
    const sets = q.set({ ...changes });
    if (sets) await tx.query(`UPDATE contacts SET ${sets} WHERE tenant_id = $1 AND id = $2`, q.values);
  }

  /** Every change ends here: the derived display name, a new version. */
  async finishChange(tx: Tx, id: string, displayName: string): Promise<void> {
    await tx.query(`UPDATE contacts SET display_name = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id, displayName]);
  }

  async bumpVersion(tx: Tx, id: string): Promise<void> {
    await tx.query(`UPDATE contacts SET version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  /** Contacts already holding any of these emails or phones (normalised). */
  async holdersOf(tx: Tx, emails: string[], phones: string[]): Promise<DuplicateHit[]> {
    return tx.query<DuplicateHit>(
      `SELECT e.contact_id, e.normalized AS value, 'email' AS kind, c.display_name FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
         WHERE e.tenant_id = $1 AND e.normalized = ANY($2::text[])
       UNION ALL
       SELECT p.contact_id, p.e164, 'phone', c.display_name FROM contact_phones p JOIN contacts c ON c.id = p.contact_id
         WHERE p.tenant_id = $1 AND p.e164 = ANY($3::text[])`,
      [tx.tenantId, emails, phones],
    );
  }

  /**
   * Makes the value the contact's primary email (phone), adding it if new. Returns the contact that
   * holds the value afterwards: another one when it took the value between the duplicate check and
   * here (its row is never touched).
   */
  async setPrimary(tx: Tx, t: ChildTable, contactId: string, v: { raw: string; normalized: string }): Promise<string | undefined> {
    await tx.query(`UPDATE ${t.table} SET is_primary = false WHERE contact_id = $1`, [contactId]);
    await tx.query(
      `INSERT INTO ${t.table} (tenant_id, ${t.key}, ${t.raw}, contact_id, is_primary) VALUES ($1, $2, $3, $4, true)
       ON CONFLICT (tenant_id, ${t.key}) DO UPDATE SET is_primary = true, ${t.raw} = excluded.${t.raw}
         WHERE ${t.table}.contact_id = excluded.contact_id`,
      [tx.tenantId, v.normalized, v.raw, contactId],
    );
    return (await tx.maybeOne<{ contact_id: string }>(`SELECT contact_id FROM ${t.table} WHERE tenant_id = $1 AND ${t.key} = $2`, [tx.tenantId, v.normalized]))?.contact_id;
  }

  async deletePrimary(tx: Tx, t: ChildTable, contactId: string): Promise<void> {
    await tx.query(`DELETE FROM ${t.table} WHERE contact_id = $1 AND is_primary`, [contactId]);
  }

  /** If a contact has emails (phones) but none is primary, the first one becomes primary, so `email`/`phone` and the flags agree. */
  async ensurePrimary(tx: Tx, contactId: string): Promise<void> {
    for (const t of [EMAILS, PHONES]) {
      await tx.query(
        `UPDATE ${t.table} SET is_primary = true WHERE contact_id = $1 AND ${t.key} = (SELECT min(${t.key}) FROM ${t.table} WHERE contact_id = $1)
           AND NOT EXISTS (SELECT 1 FROM ${t.table} WHERE contact_id = $1 AND is_primary)`,
        [contactId],
      );
    }
  }

  /** Recomputes search_text from the rows (after changes to emails, phones, names, company). */
  async refreshSearchText(tx: Tx, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const rows = await tx.query<{ id: string; first_name: string | null; last_name: string | null; display_name: string; company_name: string | null; emails: string[]; phones: string[] }>(
      `SELECT c.id, c.first_name, c.last_name, c.display_name, co.name AS company_name,
         coalesce((SELECT array_agg(normalized) FROM contact_emails e WHERE e.contact_id = c.id), '{}') AS emails,
         coalesce((SELECT array_agg(e164) FROM contact_phones p WHERE p.contact_id = c.id), '{}') AS phones
       FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ANY($1::uuid[])`,
      [ids],
    );
    await tx.query(`UPDATE contacts c SET search_text = u.t FROM unnest($1::uuid[], $2::text[]) AS u(id, t) WHERE c.id = u.id`, [
      rows.map((r) => r.id),
      rows.map((r) => searchTextOf({ firstName: r.first_name, lastName: r.last_name, displayName: r.display_name, emails: r.emails, phones: r.phones, companyName: r.company_name })),
    ]);
  }

  /** After a company is renamed: its contacts are found by the new name. */
  async refreshSearchTextOfCompany(tx: Tx, companyId: string): Promise<void> {
    const rows = await tx.query<{ id: string }>(`SELECT id FROM contacts WHERE tenant_id = $1 AND company_id = $2`, [tx.tenantId, companyId]);
    await this.refreshSearchText(tx, rows.map((r) => r.id));
  }

  /** A merged company's contacts (tombstones and erased ones too) now belong to the survivor; returns their ids. */
  async reassignCompany(tx: Tx, fromCompanyId: string, toCompanyId: string): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(
      `UPDATE contacts SET company_id = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND company_id = $2 RETURNING id`,
      [tx.tenantId, fromCompanyId, toCompanyId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The current consent of a channel and, in the same statement, its evidence: consent_history is
   * append-only (the app role may not UPDATE or DELETE it).
   */
  async recordConsent(
    tx: Tx,
    c: ConsentDecision & { contactId: string; recordedBy: string | null },
  ): Promise<void> {
    await tx.query(
      `WITH cur AS (
         INSERT INTO consents (tenant_id, contact_id, channel, status, legal_basis, source, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, now())
         ON CONFLICT (contact_id, channel) DO UPDATE SET status = excluded.status, legal_basis = excluded.legal_basis, source = excluded.source, recorded_at = now()
         RETURNING recorded_at)
       INSERT INTO consent_history (tenant_id, contact_id, channel, status, legal_basis, source, wording, wording_version, recorded_by, recorded_at, source_event_id)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, recorded_at, $10 FROM cur`,
      [tx.tenantId, c.contactId, c.channel, c.status, c.legalBasis, c.source, c.wording, c.wordingVersion, c.recordedBy, c.sourceEventId ?? null],
    );
  }

  /** Whether an event of another module already left a consent record (its effect was applied). */
  async consentRecordedByEvent(tx: Tx, sourceEventId: string): Promise<boolean> {
    return !!(await tx.maybeOne(`SELECT 1 FROM consent_history WHERE tenant_id = $1 AND source_event_id = $2 LIMIT 1`, [tx.tenantId, sourceEventId]));
  }

  /**
   * Adds an email (phone) to the contact after its others (primary only when it has none); a value
   * another contact holds is left alone. Returns whether the contact holds the value afterwards.
   */
  async addPoint(tx: Tx, t: ChildTable, contactId: string, v: { raw: string; normalized: string }): Promise<boolean> {
    await tx.query(
      `INSERT INTO ${t.table} (tenant_id, ${t.key}, ${t.raw}, contact_id, is_primary, position)
       SELECT $1, $2, $3, $4, NOT EXISTS (SELECT 1 FROM ${t.table} WHERE contact_id = $4),
              coalesce((SELECT max(position) + 1 FROM ${t.table} WHERE contact_id = $4), 0)
       ON CONFLICT (tenant_id, ${t.key}) DO NOTHING`,
      [tx.tenantId, v.normalized, v.raw, contactId],
    );
    return (await tx.maybeOne<{ contact_id: string }>(`SELECT contact_id FROM ${t.table} WHERE tenant_id = $1 AND ${t.key} = $2`, [tx.tenantId, v.normalized]))?.contact_id === contactId;
  }

  /**
   * Consent history of each contact and of the contacts merged into it, newest first, in one query
   * for many contacts (a list of contacts asking for it is one round trip).
   */
  async consentHistories(tx: Tx, contactIds: readonly string[], channel: Channel | null): Promise<Map<string, ConsentHistoryRow[]>> {
    const rows = await tx.query<ConsentHistoryRow & { owner_id: string }>(
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

  // ---- merge -----------------------------------------------------------------------------------

  /** Moves emails, phones, consents (the newer decision wins), timeline and merge history of the duplicate to the survivor. */
  async moveBelongings(tx: Tx, survivorId: string, duplicateId: string): Promise<void> {
    await tx.query(`UPDATE contact_emails SET contact_id = $1, is_primary = false WHERE contact_id = $2`, [survivorId, duplicateId]);
    await tx.query(`UPDATE contact_phones SET contact_id = $1, is_primary = false WHERE contact_id = $2`, [survivorId, duplicateId]);
    await tx.query(
      `INSERT INTO consents (tenant_id, contact_id, channel, status, legal_basis, source, recorded_at)
       SELECT tenant_id, $1, channel, status, legal_basis, source, recorded_at FROM consents WHERE contact_id = $2
       ON CONFLICT (contact_id, channel) DO UPDATE SET status = excluded.status, legal_basis = excluded.legal_basis, source = excluded.source, recorded_at = excluded.recorded_at
         WHERE consents.recorded_at < excluded.recorded_at`,
      [survivorId, duplicateId],
    );
    await tx.query(`DELETE FROM consents WHERE contact_id = $1`, [duplicateId]);
    await this.ensurePrimary(tx, survivorId);
    await tx.query(`UPDATE interactions SET contact_id = $1 WHERE contact_id = $2`, [survivorId, duplicateId]);
    await tx.query(`UPDATE contact_merges SET survivor_id = $1 WHERE survivor_id = $2`, [survivorId, duplicateId]);
  }

  /**
   * The survivor takes, per field, the value of the side `prefer` names (default: its own); an
   * empty value is filled from the other side. Tags and preferred channels are unioned; custom
   * fields are unioned with the preferred side winning on a shared key.
   */
  async fillGapsFrom(tx: Tx, survivorId: string, duplicateId: string, prefer: MergePreference = {}): Promise<void> {
    const pick = (field: keyof MergePreference, col: string) =>
      prefer[field] === 'duplicate' ? `${col} = coalesce(d.${col}, s.${col})` : `${col} = coalesce(s.${col}, d.${col})`;
    const [first, second] = prefer.addresses === 'duplicate' ? ['d', 's'] : ['s', 'd'];
    await tx.query(
      `UPDATE contacts s SET
         ${pick('firstName', 'first_name')}, ${pick('lastName', 'last_name')},
         ${pick('companyId', 'company_id')}, ${pick('ownerId', 'owner_id')},
         ${pick('lifecycleStage', 'lifecycle_stage')}, ${pick('source', 'source')}, ${pick('timeZone', 'time_zone')},
         social_handles = (SELECT coalesce(jsonb_agg(h ORDER BY ord), '[]') FROM (SELECT DISTINCT ON (h->>'network', lower(h->>'handle')) h, ord
                             FROM jsonb_array_elements(s.social_handles || d.social_handles) WITH ORDINALITY AS x(h, ord) ORDER BY h->>'network', lower(h->>'handle'), ord) y),
         tags = (SELECT coalesce(array_agg(DISTINCT t), '{}') FROM unnest(s.tags || d.tags) t),
         preferred_channels = (SELECT coalesce(array_agg(ch ORDER BY ord), '{}') FROM (SELECT ch, min(ord) ord FROM unnest(s.preferred_channels || d.preferred_channels) WITH ORDINALITY AS x(ch, ord) GROUP BY ch) y),
         custom_fields = ${prefer.customFields === 'duplicate' ? 's.custom_fields || d.custom_fields' : 'd.custom_fields || s.custom_fields'},
         addresses = CASE WHEN jsonb_array_length(${first}.addresses) = 0 THEN ${second}.addresses ELSE ${first}.addresses END,
         version = s.version + 1, updated_at = now()
       FROM contacts d WHERE s.id = $1 AND d.id = $2`,
      [survivorId, duplicateId],
    );
  }

  /** Makes one of the contact's emails (phones) its primary; the others keep their order. */
  async makePrimary(tx: Tx, t: ChildTable, contactId: string, normalized: string): Promise<void> {
    await tx.query(`UPDATE ${t.table} SET is_primary = (${t.key} = $2) WHERE contact_id = $1`, [contactId, normalized]);
  }

  async setDisplayName(tx: Tx, id: string, displayName: string): Promise<void> {
    await tx.query(`UPDATE contacts SET display_name = $2 WHERE id = $1`, [id, displayName]);
  }

  /** History: who merged what, with a snapshot of the duplicate (removed again on erasure). */
  async recordMerge(tx: Tx, m: { survivorId: string; duplicateId: string; mergedBy: string; duplicateSnapshot: unknown }): Promise<void> {
    await tx.query(`INSERT INTO contact_merges (tenant_id, survivor_id, duplicate_id, merged_by, duplicate_snapshot) VALUES ($1, $2, $3, $4, $5)`, [
      tx.tenantId, m.survivorId, m.duplicateId, m.mergedBy, JSON.stringify(m.duplicateSnapshot),
    ]);
  }

  /** The duplicate becomes a tombstone pointing at the survivor, and so does anything merged into it before. */
  async makeTombstone(tx: Tx, duplicateId: string, survivorId: string, displayName: string): Promise<void> {
    await tx.query(
      `UPDATE contacts SET merged_into = $2, first_name = NULL, last_name = NULL, display_name = $3, tags = '{}', custom_fields = '{}', addresses = '[]',
         social_handles = '[]', time_zone = NULL, source = NULL, search_text = '', import_key = NULL, version = version + 1, updated_at = now() WHERE id = $1`,
      [duplicateId, survivorId, displayName],
    );
    await tx.query(`UPDATE contacts SET merged_into = $1 WHERE merged_into = $2`, [survivorId, duplicateId]);
  }

  // ---- emails and phones ----------------------------------------------------------------------

  /**
   * Makes `values` (in this order, the first one primary) the contact's emails (phones): the ones
   * left out are removed. Returns the values another contact holds (its rows are never touched).
   */
  async replacePoints(tx: Tx, t: ChildTable, contactId: string, values: { raw: string; normalized: string }[]): Promise<{ value: string; contact_id: string }[]> {
    const keys = values.map((v) => v.normalized);
    await tx.query(`DELETE FROM ${t.table} WHERE tenant_id = $1 AND contact_id = $2 AND NOT (${t.key} = ANY($3::text[]))`, [tx.tenantId, contactId, keys]);
    await tx.query(
      `INSERT INTO ${t.table} (tenant_id, ${t.key}, ${t.raw}, contact_id, is_primary, position)
       SELECT $1, n, r, $2, o = 1, o - 1 FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS u(n, r, o)
       ON CONFLICT (tenant_id, ${t.key}) DO UPDATE SET is_primary = excluded.is_primary, position = excluded.position, ${t.raw} = excluded.${t.raw}
         WHERE ${t.table}.contact_id = excluded.contact_id`,
      [tx.tenantId, contactId, keys, values.map((v) => v.raw)],
    );
    return tx.query<{ value: string; contact_id: string }>(
      `SELECT ${t.key} AS value, contact_id FROM ${t.table} WHERE tenant_id = $1 AND ${t.key} = ANY($2::text[]) AND contact_id <> $3`,
      [tx.tenantId, keys, contactId],
    );
  }

  // ---- archive ---------------------------------------------------------------------------------

  /** Soft delete: the row stays as it is, lists and search leave it out. */
  async archive(tx: Tx, id: string, archivedBy: string): Promise<void> {
    await tx.query(`UPDATE contacts SET archived_at = now(), archived_by = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id, archivedBy]);
  }

  async restore(tx: Tx, id: string): Promise<void> {
    await tx.query(`UPDATE contacts SET archived_at = NULL, archived_by = NULL, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  // ---- bulk update -------------------------------------------------------------------------------

  /**
   * Active contacts matching the filter that the change would alter, locked, at most `limit` (in
   * id order, so concurrent bulk updates lock in the same order). Contacts the change leaves as
   * they are do not match, so running the same bulk update again continues where the last stopped.
   */
  async lockForBulkChange(tx: Tx, filter: ContactSearch, change: BulkContactChange, limit: number): Promise<string[]> {
    const q = new SqlParams(tx.tenantId);
    const rows = await tx.query<{ id: string }>(
      `SELECT c.id FROM contacts c WHERE ${this.bulkChangeSql(q, filter, change)} ORDER BY c.id LIMIT ${q.p(limit)} FOR UPDATE OF c`,
      q.values,
    );
    return rows.map((r) => r.id);
  }

  /** How many active contacts matching the filter the change would still alter. */
  async countBulkChange(tx: Tx, filter: ContactSearch, change: BulkContactChange): Promise<number> {
    const q = new SqlParams(tx.tenantId);
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM contacts c WHERE ${this.bulkChangeSql(q, filter, change)}`, q.values)).n;
  }

  private bulkChangeSql(q: SqlParams, filter: ContactSearch, change: BulkContactChange): string {
    const search = this.searchSql(q, filter);
    const wouldChange = [
      change.addTags?.length && `NOT (c.tags @> ${q.p(change.addTags)}::text[])`,
      change.removeTags?.length && `c.tags && ${q.p(change.removeTags)}::text[]`,
      change.ownerId !== undefined && `c.owner_id IS DISTINCT FROM ${q.p(change.ownerId)}::text`,
      change.lifecycleStage !== undefined && `c.lifecycle_stage IS DISTINCT FROM ${q.p(change.lifecycleStage)}::text`,
    ].filter((c): c is string => typeof c === 'string');
    return `${search} AND (${wouldChange.join(' OR ') || 'FALSE'})`;
  }

  /** Applies one bulk change to the given contacts in one statement (a new version each). */
  async applyBulkChange(tx: Tx, ids: string[], change: BulkContactChange): Promise<void> {
    if (!ids.length) return;
    const q = new SqlParams(tx.tenantId, ids);
    const sets = [
      (change.addTags?.length || change.removeTags?.length) &&
        `tags = (SELECT coalesce(array_agg(t ORDER BY o), '{}') FROM (SELECT t, min(o) o FROM unnest(c.tags || ${q.p(change.addTags ?? [])}::text[]) WITH ORDINALITY AS x(t, o)
                 WHERE NOT (t = ANY(${q.p(change.removeTags ?? [])}::text[])) GROUP BY t) y)`,
      change.ownerId !== undefined && `owner_id = ${q.p(change.ownerId)}`,
      change.lifecycleStage !== undefined && `lifecycle_stage = ${q.p(change.lifecycleStage)}`,
      'version = version + 1',
      'updated_at = now()',
    ].filter((c): c is string => typeof c === 'string');
    await tx.query(`UPDATE contacts c SET ${sets.join(', ')} WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])`, q.values);
  }

  // ---- erasure ---------------------------------------------------------------------------------

  /** GDPR erasure of the contact and of the contacts merged into it: personal data removed, the rows kept as anonymous tombstones. */
  async erasePersonalData(tx: Tx, id: string, erasedAt: Date): Promise<void> {
    await tx.query(`DELETE FROM contact_emails WHERE contact_id = $1 OR contact_id IN (SELECT id FROM contacts WHERE merged_into = $1)`, [id]);
    await tx.query(`DELETE FROM contact_phones WHERE contact_id = $1 OR contact_id IN (SELECT id FROM contacts WHERE merged_into = $1)`, [id]);
    await tx.query(`DELETE FROM consents WHERE contact_id = $1`, [id]);
    // consent_history is kept on purpose: it holds no personal data besides the (now anonymous)
    // contact id (channel, basis, source, wording, the recording user, the time), and it is the
    // controller's proof that past processing was lawful (GDPR Art. 7(1), Art. 17(3)(e)). The app
    // role cannot delete it anyway; a retention purge of the proof would run as the owner.
    await tx.query(`DELETE FROM interactions WHERE contact_id = $1 OR contact_id IN (SELECT id FROM contacts WHERE merged_into = $1)`, [id]);
    await tx.query(`UPDATE contact_merges SET duplicate_snapshot = NULL WHERE survivor_id = $1 OR duplicate_id = $1`, [id]);
    // Already-published events of this contact carry its data; Kafka keeps them only for the topic's retention.
    await tx.query(`DELETE FROM outbox WHERE published_at IS NOT NULL AND (key = $1::text OR key IN (SELECT id::text FROM contacts WHERE merged_into = $1::uuid))`, [id]);
    await tx.query(
      `UPDATE contacts SET first_name = NULL, last_name = NULL, display_name = 'Erased contact', owner_id = NULL, lifecycle_stage = NULL, source = NULL,
         tags = '{}', preferred_channels = '{}', custom_fields = '{}', addresses = '[]', social_handles = '[]', time_zone = NULL, search_text = '', import_key = NULL,
         erased_at = $2, version = version + 1, updated_at = now()
       WHERE id = $1 OR merged_into = $1`,
      [id, erasedAt],
    );
    // Last: the statements above are audited too, with the personal data they removed.
    const merged = await tx.query<{ id: string }>(`SELECT id FROM contacts WHERE merged_into = $1`, [id]);
    await scrubAuditOfContacts(tx, [id, ...merged.map((r) => r.id)]);
  }

  // ---- the list --------------------------------------------------------------------------------

  /** A page of active contacts matching the filter, with `sort_key` for the cursors. */
  async page(tx: Tx, page: KeysetPage, filter: ContactSearch): Promise<(ContactRow & KeysetRow)[]> {
    const q = new SqlParams(tx.tenantId);
    const where = q.where([this.searchSql(q, filter), page.afterSql(q.p)]);
    return tx.query<ContactRow & KeysetRow>(`SELECT ${CONTACT_COLUMNS}, ${page.sortKey} AS sort_key ${CONTACT_FROM} WHERE ${where} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`, q.values);
  }

  /** All active contacts matching the filter (every page). */
  async count(tx: Tx, filter: ContactSearch): Promise<number> {
    const q = new SqlParams(tx.tenantId);
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM contacts c WHERE ${this.searchSql(q, filter)}`, q.values)).n;
  }

  /** The WHERE of the active contacts matching a search (also used by the CSV export). */
  searchSql(q: SqlParams, f: ContactSearch): string {
    return q.where([
      'c.tenant_id = $1',
      'c.merged_into IS NULL',
      'c.erased_at IS NULL',
      f.archived ? 'c.archived_at IS NOT NULL' : 'c.archived_at IS NULL',
      f.tsquery && `c.search @@ to_tsquery('simple', ${q.p(f.tsquery)})`,
      f.tags?.length && `c.tags @> ${q.p(f.tags)}::text[]`,
      f.companyId && `c.company_id = ${q.p(f.companyId)}::uuid`,
      f.ownerId && `c.owner_id = ${q.p(f.ownerId)}`,
      f.teamId && `c.owner_id IN (SELECT m.user_id FROM team_members m WHERE m.team_id = ${q.p(f.teamId)}::uuid)`,
      f.lifecycleStage && `c.lifecycle_stage = ${q.p(f.lifecycleStage)}`,
      f.createdAfter && `c.created_at >= ${q.p(f.createdAfter)}`,
      f.createdBefore && `c.created_at < ${q.p(f.createdBefore)}`,
      f.consentedChannel && `EXISTS (SELECT 1 FROM consents k WHERE k.contact_id = c.id AND k.channel = ${q.p(f.consentedChannel)} AND k.status = 'granted')`,
    ]);
  }
}
