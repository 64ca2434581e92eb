import { Injectable } from '@nestjs/common';
import type { Row, Tx } from '@crm/platform';
import type { ContactRow } from '../contacts/contact.rows';

/** The contact's own columns, as held (search_text and import_key are derived, not personal data of their own). */
export type HeldContactRow = Pick<
  ContactRow,
  | 'id' | 'first_name' | 'last_name' | 'display_name' | 'company_id' | 'owner_id' | 'lifecycle_stage' | 'source' | 'tags'
  | 'preferred_channels' | 'custom_fields' | 'addresses' | 'social_handles' | 'time_zone' | 'merged_into' | 'erased_at' | 'version' | 'created_at' | 'updated_at'
> & Row;
export interface HeldEmailRow extends Row { email: string; normalized: string; is_primary: boolean }
export interface HeldPhoneRow extends Row { phone: string; e164: string; is_primary: boolean }
export interface HeldConsentRow extends Row { channel: string; status: string; legal_basis: string | null; source: string | null; recorded_at: Date }
export interface HeldInteractionRow extends Row { id: string; kind: string; summary: string; body: string | null; occurred_at: Date; actor_id: string | null; source_module: string }
export interface HeldMergeRow extends Row { survivor_id: string; duplicate_id: string; merged_at: Date; merged_by: string; duplicate_snapshot: unknown }
export interface HeldCompanyRow extends Row { id: string; name: string; domains: string[] }

/** What the right of access reads: every table that holds something about one contact. */
@Injectable()
export class GdprRepository {
  async contact(tx: Tx, id: string): Promise<HeldContactRow | undefined> {
    return tx.maybeOne<HeldContactRow>(
      `SELECT id, first_name, last_name, display_name, company_id, owner_id, lifecycle_stage, source, tags, preferred_channels, custom_fields, addresses,
              social_handles, time_zone, merged_into, erased_at, version, created_at, updated_at FROM contacts WHERE tenant_id = $1 AND id = $2`,
      [tx.tenantId, id],
    );
  }

  emails(tx: Tx, id: string): Promise<HeldEmailRow[]> {
    return tx.query<HeldEmailRow>(`SELECT email, normalized, is_primary FROM contact_emails WHERE contact_id = $1`, [id]);
  }

  phones(tx: Tx, id: string): Promise<HeldPhoneRow[]> {
    return tx.query<HeldPhoneRow>(`SELECT phone, e164, is_primary FROM contact_phones WHERE contact_id = $1`, [id]);
  }

  consents(tx: Tx, id: string): Promise<HeldConsentRow[]> {
    return tx.query<HeldConsentRow>(`SELECT channel, status, legal_basis, source, recorded_at FROM consents WHERE contact_id = $1`, [id]);
  }

  interactions(tx: Tx, id: string): Promise<HeldInteractionRow[]> {
    return tx.query<HeldInteractionRow>(`SELECT id, kind, summary, body, occurred_at, actor_id, source_module FROM interactions WHERE contact_id = $1 ORDER BY occurred_at`, [id]);
  }

  merges(tx: Tx, id: string): Promise<HeldMergeRow[]> {
    return tx.query<HeldMergeRow>(`SELECT survivor_id, duplicate_id, merged_at, merged_by, duplicate_snapshot FROM contact_merges WHERE survivor_id = $1 OR duplicate_id = $1`, [id]);
  }

  company(tx: Tx, companyId: string): Promise<HeldCompanyRow | undefined> {
    return tx.maybeOne<HeldCompanyRow>(`SELECT id, name, domains FROM companies WHERE id = $1`, [companyId]);
  }
}
