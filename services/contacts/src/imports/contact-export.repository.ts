import { Injectable } from '@nestjs/common';
import { SqlParams, type Row, type Tx } from '@crm/platform';
import { ContactRepository, type ContactSearch } from '../contacts/contact.repository';

/** One contact as the CSV export writes it: its emails and phones (primary first), the company's name. */
export interface ContactExportRow extends Row {
  id: string;
  first_name: string | null;
  last_name: string | null;
  /** As typed (normalising them again on import gives the same), primary first, then in the contact's order. */
  emails: string[];
  /** E.164 (unambiguous whatever country the importer assumes), primary first. */
  phones: string[];
  company_name: string | null;
  tags: string[];
  lifecycle_stage: string | null;
  owner_id: string | null;
  time_zone: string | null;
  preferred_channels: string[];
  social_handles: { network: string; handle: string }[];
  addresses: Record<string, string | null>[];
  custom_fields: Record<string, unknown>;
  /** Contact.source: lead source, UTM, keyword. */
  source: Record<string, string | null> | null;
  /** channel → granted | withdrawn */
  consents: Record<string, string>;
}

/** The most emails, phones and addresses a contact of the tenant has: how many numbered columns the export writes. */
export type ExportWidths = {
  emails: number;
  phones: number;
  addresses: number;
};

/**
 * The export's read: keyset by id over the list's own filter. Emails, phones and consents come by
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
      `SELECT c.id, c.first_name, c.last_name, '{}'::text[] AS emails, '{}'::text[] AS phones, '{}'::jsonb AS consents, co.name AS company_name, c.tags, c.lifecycle_stage, c.owner_id, c.time_zone, c.preferred_channels, c.social_handles, c.addresses, c.custom_fields, c.source
         FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
        WHERE ${where} ORDER BY c.id LIMIT ${q.p(limit)}`,
      q.values,
    );
    const ids = rows.map((r) => r.id);
    // The order ContactRepository reads them in (primary, then position).
    const emails = await tx.query<{ contact_id: string; v: string }>(
      `SELECT contact_id, email AS v FROM contact_emails WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY contact_id, is_primary DESC, position, normalized`,
      [tx.tenantId, ids],
    );
    const phones = await tx.query<{ contact_id: string; v: string }>(
      `SELECT contact_id, e164 AS v FROM contact_phones WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY contact_id, is_primary DESC, position, e164`,
      [tx.tenantId, ids],
    );
    const consents = await tx.query<{ contact_id: string; channel: string; status: string }>(
      `SELECT contact_id, channel, status FROM consents WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`,
      [tx.tenantId, ids],
    );
    const byContact = (list: { contact_id: string; v: string }[]) => {
      const m = new Map<string, string[]>();
      for (const x of list) {
        const l = m.get(x.contact_id);
        if (l) l.push(x.v);
        else m.set(x.contact_id, [x.v]);
      }
      return m;
    };
    const [email, phone] = [byContact(emails), byContact(phones)];
    const consent = new Map<string, Record<string, string>>();
    for (const c of consents) consent.set(c.contact_id, { ...consent.get(c.contact_id), [c.channel]: c.status });
    return rows.map((r) => ({ ...r, emails: email.get(r.id) ?? [], phones: phone.get(r.id) ?? [], consents: consent.get(r.id) ?? {} }));
  }

  /**
   * Over the whole tenant (not the filter): one aggregate per table without a join, which stays linear
   * whatever the planner believes right after a bulk import. A filtered export may have empty columns.
   */
  widths(tx: Tx): Promise<ExportWidths> {
    return tx.one<ExportWidths>(
      `SELECT (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM contact_emails WHERE tenant_id = $1 GROUP BY contact_id) e)::int AS emails,
              (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM contact_phones WHERE tenant_id = $1 GROUP BY contact_id) p)::int AS phones,
              (SELECT coalesce(max(jsonb_array_length(addresses)), 0) FROM contacts WHERE tenant_id = $1)::int AS addresses`,
      [tx.tenantId],
    );
  }

  count(tx: Tx, search: ContactSearch): Promise<number> {
    return this.contacts.count(tx, search);
  }
}
