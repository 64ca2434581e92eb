import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addJobActor, auditTable, unauditTable, type AuditedTable } from '@crm/platform';

/**
 * The audit trail of sales (docs/audit.md): every write to these tables is recorded in `audit_log`
 * by the database. Rows naming a contact carry it, so its erasure scrubs their entries. Not audited:
 * append-only histories (stage moves, probabilities, prices, commission entries), counters, queues.
 */
export const SALES_AUDITED: AuditedTable[] = [
  { table: 'pipelines', entity: 'pipeline' },
  { table: 'stages', entity: 'stage' },
  { table: 'deals', entity: 'deal', contactColumn: 'contact_id' },
  { table: 'products', entity: 'product' },
  { table: 'price_lists', entity: 'price-list' },
  { table: 'price_list_items', entity: 'price-list-item', key: ['price_list_id', 'product_id'] },
  { table: 'quotes', entity: 'quote', contactColumn: 'contact_id' },
  { table: 'quote_lines', entity: 'quote-line' },
  { table: 'quote_templates', entity: 'quote-template', key: ['tenant_id'] },
  { table: 'orders', entity: 'order', contactColumn: 'contact_id' },
  { table: 'commission_rules', entity: 'commission-rule' },
  { table: 'tasks', entity: 'task', contactColumn: 'contact_id' },
];

export class SalesAudit1796200000021 implements MigrationInterface {
  name = 'SalesAudit1796200000021';

  async up(q: QueryRunner): Promise<void> {
    for (const t of SALES_AUDITED) await auditTable(q, t);
    // A reminder acts for whoever scheduled it (its task's changes and events are theirs).
    await addJobActor(q, 'task_reminders');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of SALES_AUDITED) await unauditTable(q, t.table);
    await q.query(`ALTER TABLE task_reminders DROP COLUMN actor_id`);
  }
}
