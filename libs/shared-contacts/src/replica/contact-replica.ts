import { DataSource } from 'typeorm';
import type { CompanyMergedV1, ContactArchivedV1, ContactErasedV1, ContactMergedV1, ContactSnapshot, EventData, PostalAddress } from '@crm/events';
import { inTenantTx, invalidField, isUuid, scrubAuditOfContacts, Tx } from '@crm/platform';
import type { ContactChannel, ContactConsent } from './reachability';

/** A contact as a module's replica holds it. PII fields are null/empty once the contact is erased. */
export interface ReplicaContact {
  tenantId: string;
  contactId: string;
  /** Snapshot version applied; 0 for a row that only records a merge or erasure seen before any snapshot. */
  version: number;
  firstName: string | null;
  lastName: string | null;
  displayName: string;
  emails: { email: string; primary: boolean }[];
  phones: { phone: string; primary: boolean }[];
  primaryEmail: string | null;
  primaryPhone: string | null;
  companyId: string | null;
  companyName: string | null;
  tags: string[];
  ownerId: string | null;
  lifecycleStage: string | null;
  preferredChannels: ContactChannel[];
  consents: ContactConsent[];
  /** Postal addresses, primary first (empty when the snapshot carried none). */
  addresses: PostalAddress[];
  socialHandles: { network: string; handle: string }[];
  /** ISO 3166-1 alpha-2 of the primary address. */
  country: string | null;
  /** IANA time zone, or null when unknown. */
  timeZone: string | null;
  customFields: Record<string, string | number | boolean | null>;
  /** When the contact was created in contacts (null for snapshots older than the field). */
  contactCreatedAt: Date | null;
  /** Set on a duplicate that was merged into this survivor id. */
  mergedInto: string | null;
  erasedAt: Date | null;
  /** Set while the contact is archived (contact.archived until contact.restored): resolvable, but refused for new references. */
  archivedAt: Date | null;
  updatedAt: Date;
}

/**
 * What contact changes, merges and erasures mean for the module that keeps the replica:
 * `ContactReplicaModule.forRoot({ hooks: ContactLifecycle })`. Each runs in the transaction that
 * applies the contact event (bound to its tenant), after the replica row was updated; a throw rolls
 * the whole event back (it is retried, then dead-lettered).
 */
export interface ContactReplicaHooks {
  /**
   * The contact's row changed: created or updated (`applied` is the snapshot just written; absent
   * when the stored row was newer and the snapshot changed nothing), archived or restored. For what
   * the module derives from the row, kept in the same transaction as the row itself: a second
   * consumer group writing the same replica rows would wait on this one's row locks for whole runs.
   */
  onChange?(tx: Tx, contactId: string, applied?: ContactSnapshot): Promise<void>;
  /** Move this module's references from the duplicate to the survivor. */
  onMerge?(tx: Tx, duplicateId: string, survivorId: string): Promise<void>;
  /** Delete or anonymise this module's personal data of the contact. */
  onErase?(tx: Tx, contactId: string): Promise<void>;
  /** Move this module's references from the duplicate company to the survivor (company.merged). */
  onCompanyMerge?(tx: Tx, duplicateCompanyId: string, survivorCompanyId: string): Promise<void>;
}

export const ERASED_DISPLAY_NAME = 'Erased contact';
export const MERGED_DISPLAY_NAME = 'Merged contact';
/** Display name of a row that only records an archive seen before the contact's first snapshot. */
export const ARCHIVED_DISPLAY_NAME = 'Archived contact';
/** Longest merged_into chain followed (A merged into B merged into C …); guards against cycles. */
const MAX_MERGE_HOPS = 16;

const COLUMNS = `tenant_id, contact_id, version, first_name, last_name, display_name, emails, phones, primary_email, primary_phone,
  company_id, company_name, tags, owner_id, lifecycle_stage, preferred_channels, consents, merged_into, erased_at, updated_at,
  addresses, social_handles, country, time_zone, custom_fields, contact_created_at`;

/**
 * The snapshot upsert, newest version wins, never over a merged-away or erased row. One text built
 * once: it is a prepared statement, named by its text on every call.
 */
const UPSERT_SNAPSHOT = `INSERT INTO contact_replica (${COLUMNS})
   VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13::text[], $14, $15, $16::text[], $17::jsonb, NULL, NULL, now(),
           $18::jsonb, $19::jsonb, $20, $21, $22::jsonb, $23::timestamptz)
   ON CONFLICT (tenant_id, contact_id) DO UPDATE SET
     version = EXCLUDED.version, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
     display_name = EXCLUDED.display_name, emails = EXCLUDED.emails, phones = EXCLUDED.phones,
     primary_email = EXCLUDED.primary_email, primary_phone = EXCLUDED.primary_phone,
     company_id = EXCLUDED.company_id, company_name = EXCLUDED.company_name, tags = EXCLUDED.tags,
     owner_id = EXCLUDED.owner_id, lifecycle_stage = EXCLUDED.lifecycle_stage,
     preferred_channels = EXCLUDED.preferred_channels, consents = EXCLUDED.consents, updated_at = now(),
     addresses = EXCLUDED.addresses, social_handles = EXCLUDED.social_handles, country = EXCLUDED.country,
     time_zone = EXCLUDED.time_zone, custom_fields = EXCLUDED.custom_fields,
     contact_created_at = coalesce(EXCLUDED.contact_created_at, contact_replica.contact_created_at)
   WHERE contact_replica.version < EXCLUDED.version
     AND contact_replica.merged_into IS NULL
     AND contact_replica.erased_at IS NULL
   RETURNING contact_id`;

/** Every personal-data column back to empty (SET list, for a row being erased or merged away). */
const WIPE = (displayName: string) => `first_name = NULL, last_name = NULL, display_name = '${displayName}', emails = '[]', phones = '[]',
  primary_email = NULL, primary_phone = NULL, tags = '{}', preferred_channels = '{}', consents = '[]', addresses = '[]', social_handles = '[]',
  country = NULL, time_zone = NULL, custom_fields = '{}', updated_at = now()`;

function toContact(r: Record<string, any>): ReplicaContact {
  return {
    tenantId: r.tenant_id,
    contactId: r.contact_id,
    version: r.version,
    firstName: r.first_name,
    lastName: r.last_name,
    displayName: r.display_name,
    emails: r.emails,
    phones: r.phones,
    primaryEmail: r.primary_email,
    primaryPhone: r.primary_phone,
    companyId: r.company_id,
    companyName: r.company_name,
    tags: r.tags,
    ownerId: r.owner_id,
    lifecycleStage: r.lifecycle_stage,
    preferredChannels: r.preferred_channels,
    consents: r.consents,
    addresses: r.addresses ?? [],
    socialHandles: r.social_handles ?? [],
    country: r.country ?? null,
    timeZone: r.time_zone ?? null,
    customFields: r.custom_fields ?? {},
    contactCreatedAt: r.contact_created_at ?? null,
    mergedInto: r.merged_into,
    erasedAt: r.erased_at,
    archivedAt: r.archived_at,
    updatedAt: r.updated_at,
  };
}

function sortPrimaryFirst<T extends { primary: boolean }>(list: T[]): T[] {
  return [...list].sort((a, b) => Number(b.primary) - Number(a.primary));
}

function primaryOf<T extends { primary: boolean }>(list: T[], value: (t: T) => string): string | null {
  const p = list.find((x) => x.primary) ?? list[0];
  return p ? value(p) : null;
}

/**
 * A module's projection of contacts, fed by the contacts topic through ContactReplicaEvents (the
 * consumer `<service>.contact-replica`), which applies each event once in a transaction bound to the
 * event's tenant. Plain class: queries need no Nest. Out-of-order safe: a snapshot applies
 * only if newer than the stored one, and a merged-away or erased contact is never brought back by a
 * late snapshot.
 */
export class ContactReplica {
  constructor(private readonly hooks: ContactReplicaHooks = {}) {}

  /** contact.created / contact.updated: the snapshot if newer than the stored one, then the change hook. */
  async applyChange(tx: Tx, s: ContactSnapshot): Promise<void> {
    const applied = await this.applySnapshot(tx, s);
    await this.hooks.onChange?.(tx, s.contactId, applied ? s : undefined);
  }

  /** Upserts a snapshot if it is newer than the stored one. Returns whether it was applied. */
  async applySnapshot(tx: Tx, s: ContactSnapshot): Promise<boolean> {
    // Prepared (parsed and planned once per connection): every contact event of every replica runs
    // it, and parsing and planning it cost about three times its execution (bench/README.md, session 13).
    const rows = await tx.prepared(
      UPSERT_SNAPSHOT,
      [
        tx.tenantId,
        s.contactId,
        s.version,
        s.firstName,
        s.lastName,
        s.displayName,
        JSON.stringify(s.emails),
        JSON.stringify(s.phones),
        primaryOf(s.emails, (e) => e.email),
        primaryOf(s.phones, (p) => p.phone),
        s.companyId,
        s.companyName,
        s.tags,
        s.ownerId,
        s.lifecycleStage,
        s.preferredChannels,
        JSON.stringify(s.consents),
        JSON.stringify(sortPrimaryFirst(s.addresses ?? [])),
        JSON.stringify(s.socialHandles ?? []),
        s.country ?? (primaryOf(s.addresses ?? [], (a) => a.country ?? '') || null),
        s.timeZone ?? null,
        JSON.stringify(s.customFields ?? {}),
        s.createdAt && !Number.isNaN(Date.parse(s.createdAt)) ? s.createdAt : null,
      ],
    );
    return rows.length > 0;
  }

  /**
   * Flags the contact archived unless a newer archive or restore was applied already. Before any
   * snapshot it leaves a version-0 row (the snapshot still applies over it, the flag stays). Then
   * the change hook.
   */
  async applyArchive(tx: Tx, d: EventData<typeof ContactArchivedV1>): Promise<void> {
    await tx.query(
      `INSERT INTO contact_replica (tenant_id, contact_id, version, display_name, archived_at, archive_version) VALUES ($1, $2, 0, '${ARCHIVED_DISPLAY_NAME}', $3::timestamptz, $4)
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET archived_at = EXCLUDED.archived_at, archive_version = EXCLUDED.archive_version, updated_at = now()
       WHERE contact_replica.archive_version < EXCLUDED.archive_version`,
      // The flag matters, not the instant: a malformed timestamp must not dead-letter the archive.
      [tx.tenantId, d.contactId, Number.isNaN(Date.parse(d.archivedAt)) ? new Date().toISOString() : d.archivedAt, d.version],
    );
    await this.hooks.onChange?.(tx, d.contactId);
  }

  /**
   * The restored snapshot (applied like contact.updated: only if newer), and the archived flag
   * cleared unless a newer archive was applied already; then the change hook.
   */
  async applyRestore(tx: Tx, s: ContactSnapshot): Promise<void> {
    await this.applySnapshot(tx, s);
    await tx.query(
      `UPDATE contact_replica SET archived_at = NULL, archive_version = $3, updated_at = now() WHERE tenant_id = $1 AND contact_id = $2 AND archive_version < $3`,
      [tx.tenantId, s.contactId, s.version],
    );
    await this.hooks.onChange?.(tx, s.contactId);
  }

  /** Runs the company-merge hooks (the replica's own company fields follow the contact.updated events contacts emits for each moved contact). */
  async applyCompanyMerge(tx: Tx, d: EventData<typeof CompanyMergedV1>): Promise<void> {
    if (d.duplicateId === d.survivorId) return;
    await this.hooks.onCompanyMerge?.(tx, d.duplicateId, d.survivorId);
  }

  /**
   * Survivor snapshot (if newer), the duplicate marked merged into the survivor with its personal
   * data dropped (the survivor now carries it), earlier merges into the duplicate re-pointed, then
   * the merge hooks — all in the caller's transaction.
   */
  async applyMerge(tx: Tx, d: EventData<typeof ContactMergedV1>): Promise<void> {
    const tenantId = tx.tenantId;
    await this.applySnapshot(tx, d.survivor);
    // Applied after its survivor was merged away itself (the two merges are keyed by their survivors,
    // so nothing orders them): the duplicate joins the survivor's survivor, and the hooks move its
    // references there rather than to a merged-away id. Merges keep one hop, so one lookup finds it.
    const survivor = await tx.maybeOne<{ id: string; erased_at: string | null }>(
      `SELECT coalesce(s.merged_into, s.contact_id) AS id, f.erased_at FROM contact_replica s
       LEFT JOIN contact_replica f ON f.tenant_id = s.tenant_id AND f.contact_id = coalesce(s.merged_into, s.contact_id)
       WHERE s.tenant_id = $1 AND s.contact_id = $2`,
      [tenantId, d.survivorId],
    );
    const survivorId = survivor?.id ?? d.survivorId;
    if (d.duplicateId === survivorId) return;
    await tx.query(
      `INSERT INTO contact_replica (tenant_id, contact_id, version, display_name, merged_into) VALUES ($1, $2, 0, '${MERGED_DISPLAY_NAME}', $3)
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET merged_into = EXCLUDED.merged_into, ${WIPE(MERGED_DISPLAY_NAME)}`,
      [tenantId, d.duplicateId, survivorId],
    );
    // ...and the survivor's survivor may have been erased meanwhile: the duplicate is the same person,
    // so it is erased (and with it what was merged into it) instead of moved to an erased id.
    if (survivor?.erased_at) await this.applyErase(tx, { contactId: d.duplicateId, erasedAt: new Date(survivor.erased_at).toISOString() });
    await tx.query(`UPDATE contact_replica SET merged_into = $3, updated_at = now() WHERE tenant_id = $1 AND merged_into = $2`, [tenantId, d.duplicateId, survivorId]);
    if (!survivor?.erased_at) await this.hooks.onMerge?.(tx, d.duplicateId, survivorId);
  }

  /**
   * Wipes every personal-data column (a tombstone row if none existed, so a late snapshot cannot
   * bring the data back), also on rows merged into it, then runs the erase hooks.
   */
  async applyErase(tx: Tx, d: EventData<typeof ContactErasedV1>): Promise<void> {
    const tenantId = tx.tenantId;
    await tx.query(
      `INSERT INTO contact_replica (tenant_id, contact_id, version, display_name, erased_at) VALUES ($1, $2, 0, '${ERASED_DISPLAY_NAME}', $3::timestamptz)
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET erased_at = COALESCE(contact_replica.erased_at, EXCLUDED.erased_at), ${WIPE(ERASED_DISPLAY_NAME)}`,
      // Erasure must not fail on a malformed timestamp: fall back to now.
      [tenantId, d.contactId, Number.isNaN(Date.parse(d.erasedAt)) ? new Date().toISOString() : d.erasedAt],
    );
    await tx.query(`UPDATE contact_replica SET ${WIPE(MERGED_DISPLAY_NAME)} WHERE tenant_id = $1 AND merged_into = $2`, [tenantId, d.contactId]);
    await this.hooks.onErase?.(tx, d.contactId);
    // Last: the hooks' own writes are audited with the values they removed.
    const merged = await tx.query<{ contact_id: string }>(`SELECT contact_id FROM contact_replica WHERE tenant_id = $1 AND merged_into = $2`, [tenantId, d.contactId]);
    await scrubAuditOfContacts(tx, [d.contactId, ...merged.map((r) => r.contact_id)]);
  }

  /**
   * The contact, following merges to the survivor (`get(duplicateId)` returns the survivor), or null.
   * An erased contact is returned with `erasedAt` set and its personal data empty.
   */
  async get(db: Tx | DataSource, tenantId: string, contactId: string): Promise<ReplicaContact | null> {
    const [c] = await this.getMany(db, tenantId, [contactId]);
    return c;
  }

  /**
   * The rule every module applies to a contact id inside its input: the contact (following merges
   * to the survivor, whose id the caller should store), else BAD_USER_INPUT naming `field` — unknown
   * (not created, or not replicated yet), erased, or archived. Only for NEW references: records
   * that already hold an archived contact keep it.
   */
  async requireActive(tx: Tx, contactId: string, field: string): Promise<ReplicaContact> {
    const c = isUuid(contactId) ? await this.get(tx, tx.tenantId, contactId) : null;
    if (!c) throw invalidField(field, `contact ${contactId} does not exist (not created, or not yet known to this module)`);
    if (c.erasedAt) throw invalidField(field, `contact ${contactId} was erased`);
    if (c.archivedAt) throw invalidField(field, `contact ${contactId} is archived; restore it first`);
    return c;
  }

  /** True if the contact (or its survivor) is known and not erased. */
  async exists(db: Tx | DataSource, tenantId: string, contactId: string): Promise<boolean> {
    const c = await this.get(db, tenantId, contactId);
    return !!c && !c.erasedAt;
  }

  /**
   * One query for many ids, merges followed; result[i] belongs to ids[i] (null if unknown) — the
   * shape a DataLoader batch function returns. Given the caller's Tx it reads in that transaction
   * (a use case never needs a second pooled connection); given a DataSource, in its own tenant-bound one.
   */
  async getMany(db: Tx | DataSource, tenantId: string, ids: readonly string[]): Promise<(ReplicaContact | null)[]> {
    if (!ids.length) return [];
    const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const found = new Map<string, ReplicaContact>();
    if (wanted.length) {
      const rows: (Record<string, any> & { requested: string })[] = await inTenant(db, tenantId, (tx) =>
        tx.query<Record<string, any> & { requested: string }>(
          `WITH RECURSIVE chain (requested, contact_id, merged_into, hops) AS (
             SELECT contact_id, contact_id, merged_into, 0 FROM contact_replica WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])
             UNION ALL
             SELECT c.requested, r.contact_id, r.merged_into, c.hops + 1
             FROM chain c JOIN contact_replica r ON r.tenant_id = $1 AND r.contact_id = c.merged_into
             WHERE c.hops < ${MAX_MERGE_HOPS}
           )
           SELECT DISTINCT ON (c.requested) c.requested::text AS requested, r.*
           FROM chain c JOIN contact_replica r ON r.tenant_id = $1 AND r.contact_id = c.contact_id
           ORDER BY c.requested, c.hops DESC`,
          [tenantId, wanted],
        ),
      );
      for (const r of rows) found.set(r.requested, toContact(r));
    }
    return ids.map((id) => found.get(id.toLowerCase()) ?? null);
  }
}

/** Runs fn in the caller's transaction, or in a new tenant-bound one when given the DataSource. */
function inTenant<T>(db: Tx | DataSource, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db instanceof Tx ? fn(db) : inTenantTx(db, tenantId, fn);
}
