import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';

/** One imported row as written: the contact with its emails and phones (the first of each the primary, the rest in order). */
export interface ImportedContact {
  id: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string;
  companyId: string | null;
  /** Null: the importing user. */
  ownerId: string | null;
  lifecycleStage: string | null;
  tags: string[];
  timeZone: string | null;
  preferredChannels: string[];
  socialHandles: { network: string; handle: string }[];
  searchText: string;
  importKey: string;
  customFields: Record<string, unknown>;
  addresses: Record<string, string | null>[];
  consents: { channel: string; status: 'granted' | 'withdrawn' }[];
  /** Null: none in the file, recorded as `{source: "import"}`. */
  source: Record<string, string | null> | null;
  emails: { normalized: string; raw: string }[];
  phones: { normalized: string; raw: string }[];
}

/** SQL of the bulk import: multi-row statements, a few per batch whatever its size. */
@Injectable()
export class ImportRepository {
  async startJob(tx: Tx, jobId: string, fileName: string | null): Promise<void> {
    await tx.query(`INSERT INTO import_jobs (id, tenant_id, file_name, status) VALUES ($1, $2, $3, 'running')`, [jobId, tx.tenantId, fileName]);
  }

  async finishJob(tx: Tx, jobId: string, status: 'completed' | 'failed', r: { rows: number; created: number; skipped: number; failed: number; errors: unknown[] }): Promise<void> {
    await tx.query(`UPDATE import_jobs SET status = $2, total_rows = $3, created = $4, skipped = $5, failed = $6, errors = $7, finished_at = now() WHERE id = $1`, [
      jobId, status, r.rows, r.created, r.skipped, r.failed, JSON.stringify(r.errors),
    ]);
  }

  /** Which of these import keys an earlier run already wrote. */
  async importedKeys(tx: Tx, keys: string[]): Promise<Set<string>> {
    const rows = await tx.query<{ import_key: string }>(`SELECT import_key FROM contacts WHERE tenant_id = $1 AND import_key = ANY($2::text[])`, [tx.tenantId, keys]);
    return new Set(rows.map((r) => r.import_key));
  }

  /** Existing holders of these emails and phones: `e:<email>` / `p:<e164>` → contact id. */
  async holders(tx: Tx, emails: string[], phones: string[]): Promise<Map<string, string>> {
    const hits = await tx.query<{ k: string; contact_id: string }>(
      `SELECT 'e:' || normalized AS k, contact_id FROM contact_emails WHERE tenant_id = $1 AND normalized = ANY($2::text[])
       UNION ALL SELECT 'p:' || e164, contact_id FROM contact_phones WHERE tenant_id = $1 AND e164 = ANY($3::text[])`,
      [tx.tenantId, emails, phones],
    );
    return new Map(hits.map((h) => [h.k, h.contact_id]));
  }

  /**
   * Creates the companies not there yet (names are unique per tenant, case-insensitively); returns those it created.
   * In name order: a batch whose name another batch in flight is inserting waits for that one's commit,
   * and with the same order on both sides neither can be waiting for the other (no deadlock).
   */
  async createMissingCompanies(tx: Tx, names: string[]): Promise<{ id: string; name: string; domains: string[]; version: number }[]> {
    return tx.query<{ id: string; name: string; domains: string[]; version: number }>(
      `INSERT INTO companies (id, tenant_id, name) SELECT gen_random_uuid(), $1, n FROM unnest($2::text[]) AS n ORDER BY lower(n) ON CONFLICT DO NOTHING RETURNING id, name, domains, version`,
      [tx.tenantId, names],
    );
  }

  async companiesNamed(tx: Tx, names: string[]): Promise<{ id: string; name: string }[]> {
    return tx.query<{ id: string; name: string }>(`SELECT id, name FROM companies WHERE tenant_id = $1 AND lower(name) = ANY($2::text[])`, [tx.tenantId, names.map((n) => n.toLowerCase())]);
  }

  /** The batch's contacts, emails and phones: three statements (two more when the file has consents). */
  async insertContacts(tx: Tx, importingUser: string, rows: ImportedContact[], recordedAt: string): Promise<void> {
    await tx.query(
      `INSERT INTO contacts (id, tenant_id, first_name, last_name, display_name, company_id, owner_id, lifecycle_stage, tags, search_text, import_key, source, custom_fields, addresses,
                             time_zone, preferred_channels, social_handles, created_at, updated_at)
       SELECT u.id, $1, u.fn, u.ln, u.dn, u.co, coalesce(u.ow, $2), u.ls, coalesce(string_to_array(u.tg, E'\\x1f'), '{}'), u.st, u.ik, coalesce(u.src::jsonb, '{"source":"import"}'),
         coalesce(u.cf::jsonb, '{}'), coalesce(u.ad::jsonb, '[]'), u.tz, coalesce(string_to_array(u.pc, ','), '{}'), coalesce(u.sh::jsonb, '[]'), $15::timestamptz, $15::timestamptz
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $16::text[], $17::text[], $18::text[], $19::text[])
         AS u(id, fn, ln, dn, co, ow, ls, tg, st, ik, cf, ad, tz, pc, sh, src)`,
      [
        tx.tenantId, importingUser, rows.map((r) => r.id), rows.map((r) => r.firstName), rows.map((r) => r.lastName), rows.map((r) => r.displayName),
        rows.map((r) => r.companyId), rows.map((r) => r.ownerId), rows.map((r) => r.lifecycleStage),
        // Tags travel as one text per row (unnest cannot take ragged arrays), joined by the unit separator.
        rows.map((r) => (r.tags.length ? r.tags.join('\x1f') : null)),
        rows.map((r) => r.searchText), rows.map((r) => r.importKey),
        rows.map((r) => (Object.keys(r.customFields).length ? JSON.stringify(r.customFields) : null)),
        rows.map((r) => (r.addresses.length ? JSON.stringify(r.addresses) : null)),
        recordedAt,
        rows.map((r) => r.timeZone),
        // Channels are plain words (email, sms, …): a comma cannot occur in one.
        rows.map((r) => (r.preferredChannels.length ? r.preferredChannels.join(',') : null)),
        rows.map((r) => (r.socialHandles.length ? JSON.stringify(r.socialHandles) : null)),
        rows.map((r) => (r.source ? JSON.stringify(r.source) : null)),
      ],
    );
    // Position 0 is the primary; the others keep the file's order (`email 2`, `email 3`, …).
    const emails = rows.flatMap((r) => r.emails.map((e, position) => ({ ...e, contactId: r.id, position })));
    await tx.query(
      `INSERT INTO contact_emails (tenant_id, normalized, email, contact_id, is_primary, position)
       SELECT $1, n, e, c, o = 0, o FROM unnest($2::text[], $3::text[], $4::uuid[], $5::int[]) AS u(n, e, c, o)`,
      [tx.tenantId, emails.map((e) => e.normalized), emails.map((e) => e.raw), emails.map((e) => e.contactId), emails.map((e) => e.position)],
    );
    const phones = rows.flatMap((r) => r.phones.map((p, position) => ({ ...p, contactId: r.id, position })));
    await tx.query(
      `INSERT INTO contact_phones (tenant_id, e164, phone, contact_id, is_primary, position)
       SELECT $1, n, p, c, o = 0, o FROM unnest($2::text[], $3::text[], $4::uuid[], $5::int[]) AS u(n, p, c, o)`,
      [tx.tenantId, phones.map((p) => p.normalized), phones.map((p) => p.raw), phones.map((p) => p.contactId), phones.map((p) => p.position)],
    );
    const consents = rows.flatMap((r) => r.consents.map((c) => ({ contactId: r.id, ...c })));
    if (consents.length) {
      const cols = [consents.map((c) => c.contactId), consents.map((c) => c.channel), consents.map((c) => c.status)];
      // The current decision and its evidence (consent_history is append-only), as recordConsent writes them.
      await tx.query(
        `INSERT INTO consents (tenant_id, contact_id, channel, status, source, recorded_at) SELECT $1, c, ch, st, 'import', $5 FROM unnest($2::uuid[], $3::text[], $4::text[]) AS u(c, ch, st)`,
        [tx.tenantId, ...cols, recordedAt],
      );
      await tx.query(
        `INSERT INTO consent_history (tenant_id, contact_id, channel, status, source, recorded_by, recorded_at)
         SELECT $1, c, ch, st, 'import', $5, $6 FROM unnest($2::uuid[], $3::text[], $4::text[]) AS u(c, ch, st)`,
        [tx.tenantId, ...cols, importingUser, recordedAt],
      );
    }
  }
}
