import { Injectable } from '@nestjs/common';
import { SqlParams, type Row, type Tx } from '@crm/platform';
import { ContactRepository, type ContactSearch } from '../contacts/contact.repository';

/** One contact as the CSV export writes it: the primary email and phone, the company's name. */
export interface ContactExportRow extends Row {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  company_name: string | null;
  tags: string[];
  lifecycle_stage: string | null;
  owner_id: string | null;
  addresses: Record<string, string | null>[];
  custom_fields: Record<string, unknown>;
  /** channel → granted | withdrawn */
  consents: Record<string, string>;
}

/**
 * The export's read: keyset by id over the list's own filter. Primary emails, phones and consents come by
 * further statements for the page's ids (`= ANY`), not by joins: right after a bulk import
 * the planner's statistics still say "one row" and a join becomes a nested loop over every email of
 * the tenant per contact (minutes for 25,000 contacts); `= ANY` on the contact_id index cannot.
 */
@Injectable()
export class ContactExportRepository {
  constructor(private readonly contacts: ContactRepository) {}

  async page(tx: Tx, search: ContactSearch, afterId: string | null, limit: number): Promise<ContactExportRow[]> {
    const q = new SqlParams(tx.tenantId);
    const where = q.where([this.contacts.searchSql(q, search), afterId && `c.id > ${q.p(afterId)}::uuid`]);
    const rows = await tx.query<ContactExportRow>(
      `SELECT c.id, c.first_name, c.last_name, NULL::text AS email, NULL::text AS phone, '{}'::jsonb AS consents, co.name AS company_name, c.tags, c.lifecycle_stage, c.owner_id, c.addresses, c.custom_fields
         FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
        WHERE ${where} ORDER BY c.id LIMIT ${q.p(limit)}`,
      q.values,
    );
    const ids = rows.map((r) => r.id);
    const emails = await tx.query<{ contact_id: string; v: string }>(
      `SELECT contact_id, normalized AS v FROM contact_emails WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND is_primary`,
      [tx.tenantId, ids],
    );
    const phones = await tx.query<{ contact_id: string; v: string }>(
      `SELECT contact_id, e164 AS v FROM contact_phones WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND is_primary`,
      [tx.tenantId, ids],
    );
    const consents = await tx.query<{ contact_id: string; channel: string; status: string }>(
      `SELECT contact_id, channel, status FROM consents WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`,
      [tx.tenantId, ids],
    );
    const email = new Map(emails.map((e) => [e.contact_id, e.v]));
    const phone = new Map(phones.map((p) => [p.contact_id, p.v]));
    const consent = new Map<string, Record<string, string>>();
    for (const c of consents) consent.set(c.contact_id, { ...consent.get(c.contact_id), [c.channel]: c.status });
    return rows.map((r) => ({ ...r, email: email.get(r.id) ?? null, phone: phone.get(r.id) ?? null, consents: consent.get(r.id) ?? {} }));
  }

  count(tx: Tx, search: ContactSearch): Promise<number> {
    return this.contacts.count(tx, search);
  }
}
