import type { Tx } from '@crm/platform';

/**
 * What contact merges and erasures mean for delivery's own tables; called from the replica's hooks
 * (contacts/contact-lifecycle.ts) in the transaction that applies the contact event. Stateless SQL.
 */
export class DeliveryContactData {
  /** The duplicate's letters, call tasks and tracked messages now belong to the survivor. */
  async moveContact(tx: Tx, fromContactId: string, toContactId: string): Promise<void> {
    for (const table of ['delivery_messages', 'letters', 'call_tasks']) {
      await tx.query(`UPDATE ${table} SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, fromContactId, toContactId]);
    }
  }

  /**
   * An erasure: the person's letters, call tasks, caught emails and tracked messages (address and
   * links) leave this module. The counts on campaign_messages are the campaigns area's to keep or
   * clear; from now on its click links answer 404 and its pixel counts nothing.
   */
  async eraseContact(tx: Tx, contactId: string): Promise<void> {
    await tx.query(
      `DELETE FROM caught_mail WHERE tenant_id = $1 AND message_id IN (SELECT message_id FROM delivery_messages WHERE tenant_id = $1 AND contact_id = $2)`,
      [tx.tenantId, contactId],
    );
    for (const table of ['letters', 'call_tasks', 'delivery_messages']) {
      await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId]);
    }
  }
}
