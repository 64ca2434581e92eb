import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditTable, unauditTable, type AuditedTable } from '@crm/platform';

/**
 * The audit trail of contacts (docs/audit.md): every write to these tables is recorded in
 * `audit_log` by the database. Not audited: merge bookkeeping and import jobs (the merge and the
 * import write audited rows themselves), consent_history (already an append-only history).
 */
export const CONTACTS_AUDITED: AuditedTable[] = [
  { table: 'contacts', entity: 'contact', contactColumn: 'id', ignore: ['merged_into'] },
  { table: 'contact_emails', entity: 'contact-email', key: ['normalized'], contactColumn: 'contact_id', personalKey: true },
  { table: 'contact_phones', entity: 'contact-phone', key: ['e164'], contactColumn: 'contact_id', personalKey: true },
  { table: 'consents', entity: 'consent', key: ['contact_id', 'channel'], contactColumn: 'contact_id' },
  { table: 'interactions', entity: 'interaction', contactColumn: 'contact_id' },
  { table: 'companies', entity: 'company' },
  { table: 'custom_field_definitions', entity: 'custom-field', key: ['key'] },
];

export class ContactsAudit1796200000021 implements MigrationInterface {
  name = 'ContactsAudit1796200000021';

  async up(q: QueryRunner): Promise<void> {
    for (const t of CONTACTS_AUDITED) await auditTable(q, t);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of CONTACTS_AUDITED) await unauditTable(q, t.table);
  }
}
