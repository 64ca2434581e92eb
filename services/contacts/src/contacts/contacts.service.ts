import { GraphQLError } from 'graphql';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ContactCreatedV1, ContactErasedV1, ContactMergedV1, ContactUpdatedV1 } from '@crm/events';
import { badUserInput, conflict, EventPublisher, notFound, withTenant, type RequestContext, isUuid, conflictOnUnique, eventLogExpiry, SERVICE_INFO, type ServiceInfo } from '@crm/platform';
import { CustomFieldsService, renderCustomFields } from '../custom-fields/custom-fields.service';
import { displayNameOf, emailOrError, parseConsentInput, parseContactFields, phoneOrError, type ContactFields } from './contact-input';
import { loadConsentHistories, loadContact, loadContacts, refreshSearchText, searchTextOf, toConsentRecord, toGraphql, toSnapshot, type ContactRow } from './contact.rows';
import type { Channel, ConsentRecord, Contact, ContactErasure, CreateContactInput, SetConsentInput, UpdateContactInput } from './contact.types';

/** Contact use cases. Every mutation writes its event to the outbox in the same transaction. */
@Injectable()
export class ContactsService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
    private readonly customFields: CustomFieldsService,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
  ) {}

  async present(m: EntityManager, tenantId: string, rows: ContactRow[]): Promise<Contact[]> {
    const needsDefs = rows.some((r) => Object.keys(r.custom_fields).length);
    const defs = needsDefs ? await this.customFields.definitions(m, tenantId) : new Map();
    return rows.map((r) => toGraphql(r, renderCustomFields(defs, r.custom_fields)));
  }

  async get(ctx: RequestContext, id: string): Promise<Contact | null> {
    if (!isUuid(id)) return null;
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const row = await loadContact(m, ctx.tenantId, id);
      return row ? (await this.present(m, ctx.tenantId, [row]))[0] : null;
    });
  }

  /** Batched lookup for federation references and DataLoaders: one query for many ids. */
  async getMany(tenantId: string, ids: readonly string[]): Promise<(Contact | null)[]> {
    const valid = ids.filter(isUuid);
    const rows = await withTenant(this.ds, tenantId, async (m) => this.present(m, tenantId, await loadContacts(m, tenantId, valid)));
    const byId = new Map(rows.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  async create(ctx: RequestContext, input: CreateContactInput): Promise<Contact> {
    const f = parseContactFields(input);
    const emails = uniqueList([f.email, ...(f.otherEmails ?? [])], (e, i) => emailOrError(e, i === 0 && f.email ? 'input.email' : 'input.otherEmails'));
    const phones = uniqueList([f.phone, ...(f.otherPhones ?? [])], (p, i) => phoneOrError(p, i === 0 && f.phone ? 'input.phone' : 'input.otherPhones', f.phoneCountry));
    try {
      return await this.write(ctx, (m) => this.insertContact(m, ctx, f, emails, phones));
    } catch (err) {
      if (!(err instanceof GraphQLError && err.extensions.code === 'CONFLICT' && err.extensions.race)) throw err;
      // The unique index caught a duplicate (the hot path does not look first): name the existing contact.
      await withTenant(this.ds, ctx.tenantId, (m) => this.assertNoDuplicates(m, ctx.tenantId, emails.map((e) => e.normalized), phones.map((p) => p.normalized)));
      throw err;
    }
  }

  /**
   * The create hot path, four round trips in all: BEGIN + tenant, company/custom-field checks only
   * when used, one statement for the row with its emails and phones, the outbox row; the response
   * and the event snapshot are built from what was written instead of reading it back.
   */
  private async insertContact(m: EntityManager, ctx: RequestContext, f: ContactFields, emails: Normalised[], phones: Normalised[]): Promise<ContactRow> {
    const companyName = f.companyId ? await this.assertCompany(m, ctx.tenantId, f.companyId) : null;
    const custom = dropNulls(f.customFields?.length ? this.customFields.coerce(await this.customFields.definitions(m, ctx.tenantId), f.customFields) : {});
    const id = randomUUID();
    const displayName = displayNameOf(f, emails[0]?.raw, phones[0]?.normalized);
    const source = f.source ? (JSON.parse(JSON.stringify(f.source)) as Record<string, string | null>) : null;
    const addresses = JSON.parse(JSON.stringify(f.addresses ?? [])) as Record<string, string | null>[];
    const tags = dedupeTags(f.tags ?? []);
    const ownerId = f.ownerId ?? ctx.userId;
    const [written] = await m.query(
      `WITH c AS (
         INSERT INTO contacts (id, tenant_id, first_name, last_name, display_name, company_id, owner_id, lifecycle_stage, source, tags, preferred_channels, custom_fields, addresses, search_text)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING created_at, updated_at),
       e AS (
         INSERT INTO contact_emails (tenant_id, normalized, email, contact_id, is_primary)
         SELECT $2, n, r, $1, o = 1 FROM unnest($15::text[], $16::text[]) WITH ORDINALITY AS u(n, r, o)),
       p AS (
         INSERT INTO contact_phones (tenant_id, e164, phone, contact_id, is_primary)
         SELECT $2, n, r, $1, o = 1 FROM unnest($17::text[], $18::text[]) WITH ORDINALITY AS u(n, r, o))
       SELECT created_at, updated_at FROM c`,
      [
        id, ctx.tenantId, f.firstName ?? null, f.lastName ?? null, displayName, f.companyId ?? null,
        ownerId, f.lifecycleStage ?? null, source ? JSON.stringify(source) : null, tags,
        f.preferredChannels ?? [], JSON.stringify(custom), JSON.stringify(addresses),
        searchTextOf({ firstName: f.firstName, lastName: f.lastName, displayName, emails: emails.map((e) => e.normalized), phones: phones.map((p) => p.normalized), companyName }),
        emails.map((e) => e.normalized), emails.map((e) => e.raw), phones.map((p) => p.normalized), phones.map((p) => p.raw),
      ],
    );
    // Same order loadContact uses: primary first, then by normalised value.
    const byPrimaryThen = <T extends { primary: boolean }>(key: (x: T) => string) => (a: T, b: T) => Number(b.primary) - Number(a.primary) || key(a).localeCompare(key(b));
    const row: ContactRow = {
      id, tenant_id: ctx.tenantId, first_name: f.firstName ?? null, last_name: f.lastName ?? null, display_name: displayName,
      company_id: f.companyId ?? null, owner_id: ownerId, lifecycle_stage: f.lifecycleStage ?? null, source, tags,
      preferred_channels: f.preferredChannels ?? [], custom_fields: custom, addresses, merged_into: null, erased_at: null, version: 1,
      created_at: written.created_at, updated_at: written.updated_at, company_name: companyName, consents: [],
      emails: emails.map((e, i) => ({ email: e.raw, normalized: e.normalized, primary: i === 0 })).sort(byPrimaryThen((x) => x.normalized)),
      phones: phones.map((p, i) => ({ phone: p.raw, e164: p.normalized, primary: i === 0 })).sort(byPrimaryThen((x) => x.e164)),
    };
    await this.events.emit(m, ctx.tenantId, [{ type: ContactCreatedV1.type, subject: id, data: toSnapshot(row) }]);
    return row;
  }

  async update(ctx: RequestContext, rawId: string, input: UpdateContactInput): Promise<Contact> {
    const id = canonicalId(rawId);
    const f = parseContactFields(input);
    const changed = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined && k !== 'phoneCountry');
    if (!changed.length) throw badUserInput('nothing to update: the input has no fields');
    const email = f.email ? { raw: f.email.trim(), normalized: emailOrError(f.email, 'input.email') } : undefined;
    const phone = f.phone ? { raw: f.phone.trim(), normalized: phoneOrError(f.phone, 'input.phone', f.phoneCountry) } : undefined;
    return this.write(ctx, async (m) => {
      const current = await this.lockActive(m, ctx.tenantId, id);
      if (email) await this.assertNoDuplicates(m, ctx.tenantId, [email.normalized], [], id);
      if (phone) await this.assertNoDuplicates(m, ctx.tenantId, [], [phone.normalized], id);
      if (f.companyId) await this.assertCompany(m, ctx.tenantId, f.companyId);
      const sets: string[] = [];
      const params: unknown[] = [ctx.tenantId, id];
      const set = (col: string, value: unknown) => {
        params.push(value);
        sets.push(`${col} = $${params.length}`);
      };
      if (f.firstName !== undefined) set('first_name', f.firstName);
      if (f.lastName !== undefined) set('last_name', f.lastName);
      if (f.companyId !== undefined) set('company_id', f.companyId);
      if (f.ownerId !== undefined) set('owner_id', f.ownerId);
      if (f.lifecycleStage !== undefined) set('lifecycle_stage', f.lifecycleStage);
      if (f.source !== undefined) set('source', f.source ? JSON.stringify(f.source) : null);
      if (f.tags !== undefined) set('tags', dedupeTags(f.tags));
      if (f.preferredChannels !== undefined) set('preferred_channels', f.preferredChannels);
      if (f.addresses !== undefined) set('addresses', JSON.stringify(f.addresses));
      if (f.customFields?.length) {
        const patch = this.customFields.coerce(await this.customFields.definitions(m, ctx.tenantId), f.customFields);
        const merged = dropNulls({ ...current.custom_fields, ...patch });
        set('custom_fields', JSON.stringify(merged));
      }
      if (sets.length) await m.query(`UPDATE contacts SET ${sets.join(', ')} WHERE tenant_id = $1 AND id = $2`, params);
      if (email) await this.setPrimary(m, 'contact_emails', 'normalized', 'email', ctx.tenantId, id, email);
      if (phone) await this.setPrimary(m, 'contact_phones', 'e164', 'phone', ctx.tenantId, id, phone);
      if (f.email === null) await m.query(`DELETE FROM contact_emails WHERE contact_id = $1 AND is_primary`, [id]);
      if (f.phone === null) await m.query(`DELETE FROM contact_phones WHERE contact_id = $1 AND is_primary`, [id]);
      if (f.email === null || f.phone === null) await this.ensurePrimary(m, id);
      const after = (await loadContact(m, ctx.tenantId, id))!;
      const display = displayNameOf({ firstName: after.first_name, lastName: after.last_name }, after.emails[0]?.email, after.phones[0]?.e164);
      await m.query(`UPDATE contacts SET display_name = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id, display]);
      await refreshSearchText(m, [id]);
      return this.emitUpdated(m, ctx.tenantId, id, changed);
    });
  }

  async setConsent(ctx: RequestContext, input: SetConsentInput): Promise<Contact> {
    const contactId = canonicalId(input.contactId);
    const c = parseConsentInput(input);
    return this.write(ctx, async (m) => {
      await this.lockActive(m, ctx.tenantId, contactId, 'input.contactId');
      // The current state (what campaigns and events read) and, in the same statement, its evidence:
      // consent_history is append-only (the app role may not UPDATE or DELETE it).
      await m.query(
        `WITH cur AS (
           INSERT INTO consents (tenant_id, contact_id, channel, status, legal_basis, source, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, now())
           ON CONFLICT (contact_id, channel) DO UPDATE SET status = excluded.status, legal_basis = excluded.legal_basis, source = excluded.source, recorded_at = now()
           RETURNING recorded_at)
         INSERT INTO consent_history (tenant_id, contact_id, channel, status, legal_basis, source, wording, wording_version, recorded_by, recorded_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, recorded_at FROM cur`,
        [ctx.tenantId, contactId, input.channel, input.granted ? 'granted' : 'withdrawn', c.legalBasis, c.source, c.wording, c.wordingVersion, ctx.userId ?? null],
      );
      await m.query(`UPDATE contacts SET version = version + 1, updated_at = now() WHERE id = $1`, [contactId]);
      return this.emitUpdated(m, ctx.tenantId, contactId, ['consents']);
    });
  }

  /**
   * Every consent decision recorded for the contact (and for contacts merged into it, whose
   * evidence stays under their own id), newest first; optionally one channel only.
   */
  /** Consent histories of many contacts (a DataLoader batch: result[i] belongs to contactIds[i]). */
  async consentHistories(tenantId: string, contactIds: readonly string[], channel: Channel | null): Promise<ConsentRecord[][]> {
    const ids = contactIds.map(canonicalId);
    const valid = ids.filter(isUuid);
    const byContact = valid.length ? await withTenant(this.ds, tenantId, (m) => loadConsentHistories(m, valid, channel)) : new Map();
    return ids.map((id) => (byContact.get(id) ?? []).map(toConsentRecord));
  }

  /**
   * Moves everything of the duplicate to the survivor, keeps a snapshot of the duplicate in
   * contact_merges (history), leaves the duplicate as a tombstone pointing at the survivor.
   */
  async merge(ctx: RequestContext, rawSurvivorId: string, rawDuplicateId: string): Promise<Contact> {
    const [survivorId, duplicateId] = [canonicalId(rawSurvivorId), canonicalId(rawDuplicateId)];
    if (survivorId === duplicateId) throw badUserInput('survivorId and duplicateId are the same contact');
    return this.write(ctx, async (m) => {
      // Lock both in a stable order so two concurrent merges cannot deadlock.
      const [a, b] = [survivorId, duplicateId].sort();
      const first = await this.lockActive(m, ctx.tenantId, a, a === survivorId ? 'survivorId' : 'duplicateId');
      const second = await this.lockActive(m, ctx.tenantId, b, b === survivorId ? 'survivorId' : 'duplicateId');
      const duplicate = first.id === duplicateId ? first : second;
      await m.query(`UPDATE contact_emails SET contact_id = $1, is_primary = false WHERE contact_id = $2`, [survivorId, duplicateId]);
      await m.query(`UPDATE contact_phones SET contact_id = $1, is_primary = false WHERE contact_id = $2`, [survivorId, duplicateId]);
      await m.query(
        `INSERT INTO consents (tenant_id, contact_id, channel, status, legal_basis, source, recorded_at)
         SELECT tenant_id, $1, channel, status, legal_basis, source, recorded_at FROM consents WHERE contact_id = $2
         ON CONFLICT (contact_id, channel) DO UPDATE SET status = excluded.status, legal_basis = excluded.legal_basis, source = excluded.source, recorded_at = excluded.recorded_at
           WHERE consents.recorded_at < excluded.recorded_at`,
        [survivorId, duplicateId],
      );
      await m.query(`DELETE FROM consents WHERE contact_id = $1`, [duplicateId]);
      await this.ensurePrimary(m, survivorId);
      await m.query(`UPDATE interactions SET contact_id = $1 WHERE contact_id = $2`, [survivorId, duplicateId]);
      await m.query(`UPDATE contact_merges SET survivor_id = $1 WHERE survivor_id = $2`, [survivorId, duplicateId]);
      // Survivor keeps its values; gaps are filled from the duplicate; tags and custom fields are unioned.
      await m.query(
        `UPDATE contacts s SET
           first_name = coalesce(s.first_name, d.first_name), last_name = coalesce(s.last_name, d.last_name),
           company_id = coalesce(s.company_id, d.company_id), owner_id = coalesce(s.owner_id, d.owner_id),
           lifecycle_stage = coalesce(s.lifecycle_stage, d.lifecycle_stage), source = coalesce(s.source, d.source),
           tags = (SELECT coalesce(array_agg(DISTINCT t), '{}') FROM unnest(s.tags || d.tags) t),
           preferred_channels = (SELECT coalesce(array_agg(ch ORDER BY ord), '{}') FROM (SELECT ch, min(ord) ord FROM unnest(s.preferred_channels || d.preferred_channels) WITH ORDINALITY AS x(ch, ord) GROUP BY ch) y),
           custom_fields = d.custom_fields || s.custom_fields,
           addresses = CASE WHEN jsonb_array_length(s.addresses) = 0 THEN d.addresses ELSE s.addresses END,
           version = s.version + 1, updated_at = now()
         FROM contacts d WHERE s.id = $1 AND d.id = $2`,
        [survivorId, duplicateId],
      );
      // Gaps filled from the duplicate (names, emails, phones) can change the survivor's display name.
      const filled = (await loadContact(m, ctx.tenantId, survivorId))!;
      const display = displayNameOf({ firstName: filled.first_name, lastName: filled.last_name }, filled.emails[0]?.email, filled.phones[0]?.e164);
      await m.query(`UPDATE contacts SET display_name = $2 WHERE id = $1`, [survivorId, display]);
      await m.query(
        `INSERT INTO contact_merges (tenant_id, survivor_id, duplicate_id, merged_by, duplicate_snapshot) VALUES ($1, $2, $3, $4, $5)`,
        [ctx.tenantId, survivorId, duplicateId, ctx.userId, JSON.stringify(toSnapshot(duplicate))],
      );
      await m.query(
        `UPDATE contacts SET merged_into = $2, first_name = NULL, last_name = NULL, display_name = $3, tags = '{}', custom_fields = '{}', addresses = '[]',
           source = NULL, search_text = '', import_key = NULL, version = version + 1, updated_at = now() WHERE id = $1`,
        [duplicateId, survivorId, `Merged into ${display}`.slice(0, 300)],
      );
      // Anything already merged into the duplicate now points at the survivor.
      await m.query(`UPDATE contacts SET merged_into = $1 WHERE merged_into = $2`, [survivorId, duplicateId]);
      await refreshSearchText(m, [survivorId]);
      const after = (await loadContact(m, ctx.tenantId, survivorId))!;
      await this.events.emit(m, ctx.tenantId, [
        { type: ContactMergedV1.type, subject: survivorId, data: { survivorId, duplicateId, survivor: toSnapshot(after) } },
      ]);
      return after;
    });
  }

  /** GDPR erasure: personal data removed here; contact.erased makes every module do the same. */
  async erase(ctx: RequestContext, rawId: string): Promise<ContactErasure> {
    const id = canonicalId(rawId);
    let erasedAt = new Date();
    await this.write(ctx, async (m) => {
      const row = await this.lockExisting(m, ctx.tenantId, id);
      if (row.erased_at) {
        // Erasing again changes nothing; the answer keeps the first erasure's time and deadline.
        erasedAt = new Date(row.erased_at as unknown as string);
        return row;
      }
      await m.query(`DELETE FROM contact_emails WHERE contact_id = $1 OR contact_id IN (SELECT id FROM contacts WHERE merged_into = $1)`, [id]);
      await m.query(`DELETE FROM contact_phones WHERE contact_id = $1 OR contact_id IN (SELECT id FROM contacts WHERE merged_into = $1)`, [id]);
      await m.query(`DELETE FROM consents WHERE contact_id = $1`, [id]);
      // consent_history is kept on purpose: it holds no personal data besides the (now anonymous)
      // contact id (channel, basis, source, wording, the recording user, the time), and it is the
      // controller's proof that past processing was lawful (GDPR Art. 7(1), Art. 17(3)(e)). The app
      // role cannot delete it anyway; a retention purge of the proof would run as the owner.
      await m.query(`DELETE FROM interactions WHERE contact_id = $1 OR contact_id IN (SELECT id FROM contacts WHERE merged_into = $1)`, [id]);
      await m.query(`UPDATE contact_merges SET duplicate_snapshot = NULL WHERE survivor_id = $1 OR duplicate_id = $1`, [id]);
      // Already-published events of this contact carry its data; Kafka keeps them only for the topic's retention.
      await m.query(`DELETE FROM outbox WHERE published_at IS NOT NULL AND (key = $1::text OR key IN (SELECT id::text FROM contacts WHERE merged_into = $1::uuid))`, [id]);
      await m.query(
        `UPDATE contacts SET first_name = NULL, last_name = NULL, display_name = 'Erased contact', owner_id = NULL, lifecycle_stage = NULL, source = NULL,
           tags = '{}', preferred_channels = '{}', custom_fields = '{}', addresses = '[]', search_text = '', import_key = NULL,
           erased_at = $2, version = version + 1, updated_at = now()
         WHERE id = $1 OR merged_into = $1`,
        [id, erasedAt],
      );
      await this.events.emit(m, ctx.tenantId, [{ type: ContactErasedV1.type, subject: id, data: { contactId: id, erasedAt: erasedAt.toISOString() } }]);
      return row;
    });
    // Copies already on Kafka stay until the topic's retention deletes them: say when, at the latest.
    return { contactId: id, erasedAt, eventLogCopiesExpireBy: eventLogExpiry(this.info.eventRetention, erasedAt) };
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Runs a tenant-bound write; a unique-index race on email/phone becomes a CONFLICT. */
  private async write<T extends ContactRow | unknown>(ctx: RequestContext, fn: (m: EntityManager) => Promise<T>): Promise<T extends ContactRow ? Contact : T> {
    return conflictOnUnique(
      () =>
        withTenant(this.ds, ctx.tenantId, async (m) => {
          const out = await fn(m);
          if (out && typeof out === 'object' && 'tenant_id' in out) return (await this.present(m, ctx.tenantId, [out as unknown as ContactRow]))[0] as any;
          return out as any;
        }),
      (constraint) =>
        /contact_(emails|phones)/.test(constraint)
          ? conflict('another contact with this email or phone was created at the same time; retry to see which one', { race: true })
          : undefined,
    );
  }

  private async emitUpdated(m: EntityManager, tenantId: string, id: string, changed: string[]): Promise<ContactRow> {
    const row = (await loadContact(m, tenantId, id))!;
    await this.events.emit(m, tenantId, [{ type: ContactUpdatedV1.type, subject: id, data: { ...toSnapshot(row), changed } }]);
    return row;
  }

  private async lockExisting(m: EntityManager, tenantId: string, id: string, field = 'id'): Promise<ContactRow> {
    if (!isUuid(id)) throw badUserInput(`${field}: "${id.slice(0, 60)}" is not a contact id`);
    const [locked] = await m.query(`SELECT id FROM contacts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
    if (!locked) throw notFound(`contact ${id} does not exist`, { contactId: id });
    return (await loadContact(m, tenantId, id))!;
  }

  private async lockActive(m: EntityManager, tenantId: string, id: string, field = 'id'): Promise<ContactRow> {
    const row = await this.lockExisting(m, tenantId, id, field);
    if (row.erased_at) throw badUserInput(`contact ${id} was erased and can no longer be changed`, { contactId: id });
    if (row.merged_into) throw badUserInput(`contact ${id} was merged into ${row.merged_into}; change that contact instead`, { contactId: id, mergedIntoId: row.merged_into });
    return row;
  }

  /** Returns the company's name; BAD_USER_INPUT if it does not exist. */
  private async assertCompany(m: EntityManager, tenantId: string, companyId: string): Promise<string> {
    const [c] = await m.query(`SELECT name FROM companies WHERE tenant_id = $1 AND id = $2`, [tenantId, companyId]);
    if (!c) throw badUserInput(`input.companyId: company ${companyId} does not exist`, { fields: [{ field: 'input.companyId', message: 'unknown company' }] });
    return c.name;
  }

  /** Duplicate detection on normalised email/phone; the error names the existing contact. */
  async assertNoDuplicates(m: EntityManager, tenantId: string, emails: string[], phones: string[], exceptId?: string): Promise<void> {
    const hits: { contact_id: string; value: string; kind: string; display_name: string }[] = await m.query(
      `SELECT e.contact_id, e.normalized AS value, 'email' AS kind, c.display_name FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
         WHERE e.tenant_id = $1 AND e.normalized = ANY($2::text[])
       UNION ALL
       SELECT p.contact_id, p.e164, 'phone', c.display_name FROM contact_phones p JOIN contacts c ON c.id = p.contact_id
         WHERE p.tenant_id = $1 AND p.e164 = ANY($3::text[])`,
      [tenantId, emails, phones],
    );
    const other = hits.find((h) => h.contact_id !== exceptId);
    if (other) {
      throw conflict(`a contact with ${other.kind} ${other.value} already exists: ${other.display_name} (${other.contact_id}); update it or merge the two`, {
        existingContactId: other.contact_id,
        field: other.kind,
      });
    }
  }

  /** If a contact has emails (phones) but none is primary, the first one becomes primary, so `email`/`phone` and the flags agree. */
  private async ensurePrimary(m: EntityManager, contactId: string) {
    for (const [table, keyCol] of [['contact_emails', 'normalized'], ['contact_phones', 'e164']]) {
      await m.query(
        `UPDATE ${table} SET is_primary = true WHERE contact_id = $1 AND ${keyCol} = (SELECT min(${keyCol}) FROM ${table} WHERE contact_id = $1)
           AND NOT EXISTS (SELECT 1 FROM ${table} WHERE contact_id = $1 AND is_primary)`,
        [contactId],
      );
    }
  }

  private async setPrimary(m: EntityManager, table: string, keyCol: string, rawCol: string, tenantId: string, contactId: string, v: { raw: string; normalized: string }) {
    await m.query(`UPDATE ${table} SET is_primary = false WHERE contact_id = $1`, [contactId]);
    await m.query(
      `INSERT INTO ${table} (tenant_id, ${keyCol}, ${rawCol}, contact_id, is_primary) VALUES ($1, $2, $3, $4, true)
       ON CONFLICT (tenant_id, ${keyCol}) DO UPDATE SET is_primary = true, ${rawCol} = excluded.${rawCol}
         WHERE ${table}.contact_id = excluded.contact_id`,
      [tenantId, v.normalized, v.raw, contactId],
    );
    // Another contact took this address between the duplicate check and here: never touch its row.
    const [row] = await m.query(`SELECT contact_id FROM ${table} WHERE tenant_id = $1 AND ${keyCol} = $2`, [tenantId, v.normalized]);
    if (row && row.contact_id !== contactId) {
      throw conflict(`a contact with ${keyCol === 'e164' ? 'phone' : 'email'} ${v.normalized} already exists: ${row.contact_id}; update it or merge the two`, {
        existingContactId: row.contact_id,
      });
    }
  }
}

/** UUIDs are case-insensitive on input; events, keys and lookups use the lower-case form Postgres returns. */
export function canonicalId(id: string): string {
  return id.toLowerCase();
}


type Normalised = { raw: string; normalized: string };

function uniqueList(values: (string | null | undefined)[], normalise: (v: string, index: number) => string): Normalised[] {
  const seen = new Set<string>();
  const out: Normalised[] = [];
  values.forEach((v, i) => {
    if (v == null || v.trim() === '') return;
    const normalized = normalise(v, i);
    if (!seen.has(normalized)) {
      seen.add(normalized);
      out.push({ raw: v.trim(), normalized });
    }
  });
  return out;
}

export function dedupeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}

function dropNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}

export type { ContactFields };
