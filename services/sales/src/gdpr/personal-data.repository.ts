import { Injectable } from '@nestjs/common';
import type { Row, Tx } from '@crm/platform';

/** A record exported as stored: every column, as the JSON document shows it. */
export type StoredRecord = Row & { id?: string };

/**
 * Everything sales stores about a person (one or more contact ids: a survivor and the contacts merged
 * into it), read for an access request. The same records the erasure hook anonymises.
 */
@Injectable()
export class PersonalDataRepository {
  /** The contact and every contact merged into it (transitively), survivor first. */
  async personIds(tx: Tx, contactId: string): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(
      `WITH RECURSIVE person (id) AS (
         SELECT $2::uuid
         UNION SELECT r.contact_id FROM contact_replica r JOIN person p ON r.merged_into = p.id WHERE r.tenant_id = $1)
       SELECT id::text FROM person`,
      [tx.tenantId, contactId],
    );
    return rows.map((r) => r.id);
  }

  replicaRows(tx: Tx, ids: string[], survivorId: string): Promise<StoredRecord[]> {
    return tx.query(`SELECT * FROM contact_replica WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY contact_id = $3 DESC, contact_id`, [tx.tenantId, ids, survivorId]);
  }

  deals(tx: Tx, ids: string[]): Promise<StoredRecord[]> {
    return tx.query(`SELECT * FROM deals WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY created_at, id`, [tx.tenantId, ids]);
  }

  stageHistory(tx: Tx, dealIds: string[]): Promise<StoredRecord[]> {
    return tx.query(`SELECT * FROM deal_stage_history WHERE tenant_id = $1 AND deal_id = ANY($2::uuid[]) ORDER BY moved_at, id`, [tx.tenantId, dealIds]);
  }

  quotes(tx: Tx, ids: string[]): Promise<StoredRecord[]> {
    return tx.query(`SELECT * FROM quotes WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY created_at, id`, [tx.tenantId, ids]);
  }

  quoteLines(tx: Tx, quoteIds: string[]): Promise<StoredRecord[]> {
    return tx.query(`SELECT * FROM quote_lines WHERE tenant_id = $1 AND quote_id = ANY($2::uuid[]) ORDER BY quote_id, position`, [tx.tenantId, quoteIds]);
  }

  orders(tx: Tx, ids: string[]): Promise<StoredRecord[]> {
    return tx.query(`SELECT * FROM orders WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY placed_at, id`, [tx.tenantId, ids]);
  }

  orderLines(tx: Tx, orderIds: string[]): Promise<StoredRecord[]> {
    return tx.query(`SELECT * FROM order_lines WHERE tenant_id = $1 AND order_id = ANY($2::uuid[]) ORDER BY order_id, position`, [tx.tenantId, orderIds]);
  }

  tasks(tx: Tx, ids: string[], dealIds: string[]): Promise<StoredRecord[]> {
    return tx.query(`SELECT * FROM tasks WHERE tenant_id = $1 AND (contact_id = ANY($2::uuid[]) OR deal_id = ANY($3::uuid[])) ORDER BY created_at, id`, [tx.tenantId, ids, dealIds]);
  }
}
