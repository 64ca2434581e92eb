import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import type { ContactReplicaHooks } from '@crm/shared-contacts';

export const ERASED_TITLE = '(erased contact)';

/**
 * What contact merges, erasures and company merges mean for sales: the replica's hooks
 * (`ContactReplicaModule.forRoot({ hooks: ContactLifecycle })`), run in the transaction that applies
 * the contact event, bound to the event's tenant.
 */
@Injectable()
export class ContactLifecycle implements ContactReplicaHooks {
  /** The duplicate's deals, quotes, orders and tasks now belong to the survivor. */
  async onMerge(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    for (const table of ['deals', 'quotes', 'orders', 'tasks']) {
      await tx.query(`UPDATE ${table} SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, duplicateId, survivorId]);
    }
  }

  /**
   * The duplicate company's deals now belong to the survivor (deals are the only sales records
   * holding a company id). Version and updated_at stay: nobody edited the deal, so an edit form
   * open on it must not conflict. Idempotent: a redelivery finds nothing left to move.
   */
  async onCompanyMerge(tx: Tx, duplicateCompanyId: string, survivorCompanyId: string): Promise<void> {
    await tx.query(`UPDATE deals SET company_id = $3 WHERE tenant_id = $1 AND company_id = $2`, [tx.tenantId, duplicateCompanyId, survivorCompanyId]);
  }

  /**
   * GDPR erasure: the contact's personal data leaves sales. Amounts, dates and line items stay (book-
   * keeping must keep sales records; they no longer identify anyone): names and emails copied onto
   * quotes and orders are deleted, free text that may describe the person (deal titles and notes,
   * task titles and notes, quote notes, lost reasons) is replaced, attribution keywords are kept (they describe
   * the campaign, not the person).
   */
  async onErase(tx: Tx, contactId: string): Promise<void> {
    const tenantId = tx.tenantId;
    // The lost reason is free text about the person too; that the deal was lost stays (forecast, funnel).
    await tx.query(
      `UPDATE deals SET title = $3, notes = NULL, lost_reason = CASE WHEN lost_reason IS NULL THEN NULL ELSE $4 END, updated_at = now() WHERE tenant_id = $1 AND contact_id = $2`,
      [tenantId, contactId, `Deal ${ERASED_TITLE}`, ERASED_TITLE],
    );
    await tx.query(`UPDATE quotes SET recipient_name = NULL, recipient_email = NULL, notes = NULL WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId]);
    await tx.query(`UPDATE orders SET billing_name = NULL, billing_email = NULL, billing_address = NULL WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId]);
    await tx.query(`UPDATE tasks SET title = $3, notes = NULL WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId, `Task ${ERASED_TITLE}`]);
    await this.purgePublishedEvents(tx, contactId);
  }

  /**
   * This service's already-published events about the contact leave the outbox too (Kafka keeps
   * them only for the topic's retention): every event whose payload names the contact — or a
   * contact merged into it, whose records it now holds — and every event of its deals, quotes,
   * orders and tasks (keyed by their id; some, like deal.stage-changed of an older deal, or
   * quote.accepted, name the contact only through the aggregate). Unpublished rows stay: they
   * are still to be delivered.
   */
  async purgePublishedEvents(tx: Tx, contactId: string): Promise<number> {
    const tenantId = tx.tenantId;
    const merged = await tx.query<{ contact_id: string }>(`SELECT contact_id FROM contact_replica WHERE tenant_id = $1 AND merged_into = $2`, [tenantId, contactId]);
    const contactIds = [contactId, ...merged.map((r) => r.contact_id)];
    const rows = await tx.query(
      `DELETE FROM outbox
        WHERE published_at IS NOT NULL AND tenant_id = $1
          AND (payload->'data'->>'contactId' = ANY($2::text[])
               OR key IN (SELECT id::text FROM deals WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])
                          UNION ALL SELECT id::text FROM quotes WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])
                          UNION ALL SELECT id::text FROM orders WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])
                          UNION ALL SELECT id::text FROM tasks WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])))
        RETURNING seq`,
      [tenantId, contactIds],
    );
    return rows.length;
  }
}
