import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { badUserInput, notFound, withTenant, type RequestContext, isUuid } from '@crm/platform';
import { loadConsentHistory } from '../contacts/contact.rows';

/**
 * GDPR right of access: everything this service holds about a contact, in one JSON document
 * (the contact, its emails, phones, consents with their full history, timeline, merge history, custom fields).
 */
@Injectable()
export class GdprService {
  constructor(private readonly ds: DataSource) {}

  async export(ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
    if (!isUuid(id)) throw badUserInput(`id: "${id.slice(0, 60)}" is not a contact id`);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const [contact] = await m.query(
        `SELECT id, first_name, last_name, display_name, company_id, owner_id, lifecycle_stage, source, tags, preferred_channels, custom_fields, addresses,
                merged_into, erased_at, version, created_at, updated_at FROM contacts WHERE tenant_id = $1 AND id = $2`,
        [ctx.tenantId, id],
      );
      if (!contact) throw notFound(`contact ${id} does not exist`);
      // Sequential on purpose: a transaction has one connection, and pg refuses overlapping queries on a client.
      const emails = await m.query(`SELECT email, normalized, is_primary FROM contact_emails WHERE contact_id = $1`, [id]);
      const phones = await m.query(`SELECT phone, e164, is_primary FROM contact_phones WHERE contact_id = $1`, [id]);
      const consents = await m.query(`SELECT channel, status, legal_basis, source, recorded_at FROM consents WHERE contact_id = $1`, [id]);
      // Kept after erasure (proof of lawful processing, see ContactsService.erase): exported too.
      const consentHistory = await loadConsentHistory(m, id, null);
      const interactions = await m.query(`SELECT id, kind, summary, body, occurred_at, actor_id, source_module FROM interactions WHERE contact_id = $1 ORDER BY occurred_at`, [id]);
      const merges = await m.query(`SELECT survivor_id, duplicate_id, merged_at, merged_by, duplicate_snapshot FROM contact_merges WHERE survivor_id = $1 OR duplicate_id = $1`, [id]);
      const company = contact.company_id ? await m.query(`SELECT id, name, domains FROM companies WHERE id = $1`, [contact.company_id]) : [];
      return {
        exportedAt: new Date().toISOString(),
        service: 'contacts',
        tenantId: ctx.tenantId,
        contact,
        company: company[0] ?? null,
        emails,
        phones,
        consents,
        consentHistory,
        interactions,
        merges,
      };
    });
  }
}
