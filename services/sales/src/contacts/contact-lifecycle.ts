import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ContactReplica } from '@crm/shared-contacts';

export const ERASED_TITLE = '(erased contact)';

/**
 * What contact merges and erasures mean for sales (run by the replica consumer, in the same
 * transaction that applies the contact event, bound to the event's tenant).
 */
@Injectable()
export class ContactLifecycle implements OnModuleInit {
  constructor(private readonly replica: ContactReplica) {}

  onModuleInit(): void {
    this.replica.onMerge((m, tenantId, duplicateId, survivorId) => this.merge(m, tenantId, duplicateId, survivorId));
    this.replica.onErase((m, tenantId, contactId) => this.erase(m, tenantId, contactId));
  }

  /** The duplicate's deals, quotes, orders and tasks now belong to the survivor. */
  async merge(m: EntityManager, tenantId: string, duplicateId: string, survivorId: string): Promise<void> {
    for (const table of ['deals', 'quotes', 'orders', 'tasks']) {
      await m.query(`UPDATE ${table} SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, duplicateId, survivorId]);
    }
  }

  /**
   * GDPR erasure: the contact's personal data leaves sales. Amounts, dates and line items stay (book-
   * keeping must keep sales records; they no longer identify anyone): names and emails copied onto
   * quotes and orders are deleted, free text that may describe the person (deal titles and notes,
   * task titles and notes, quote notes) is replaced, attribution keywords are kept (they describe
   * the campaign, not the person).
   */
  async erase(m: EntityManager, tenantId: string, contactId: string): Promise<void> {
    await m.query(`UPDATE deals SET title = $3, notes = NULL, updated_at = now() WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId, `Deal ${ERASED_TITLE}`]);
    await m.query(`UPDATE quotes SET recipient_name = NULL, recipient_email = NULL, notes = NULL WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId]);
    await m.query(`UPDATE orders SET billing_name = NULL, billing_email = NULL, billing_address = NULL WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId]);
    await m.query(`UPDATE tasks SET title = $3, notes = NULL WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId, `Task ${ERASED_TITLE}`]);
  }
}
