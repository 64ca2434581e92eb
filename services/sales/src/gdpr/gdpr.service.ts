import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { withTenant, type RequestContext } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { uuidOrUndefined } from '../common/graphql';
import type { PersonalDataExport } from './personal-data.types';

/**
 * GDPR right of access, sales' part: everything sales holds about a contact — the same records its
 * erasure hook (contacts/contact-lifecycle.ts) anonymises: the replica row, deals with their stage
 * history, quotes and orders with their lines (names, emails, billing addresses copied onto them),
 * and tasks. Contacts merged into the person are the same person: their replica rows are included,
 * and their records, which the merge moved to the survivor. Asked about a merged contact, the
 * export follows the merge to its survivor (as the replica does).
 *
 * Left out on purpose: commission entries (they are the sales rep's pay, someone else's personal
 * data, GDPR Art. 15(4); the deals and orders they are earned on are exported) and the outbox
 * (copies of the same records on their way to Kafka).
 */
@Injectable()
export class SalesGdprService {
  constructor(
    private readonly ds: DataSource,
    private readonly replica: ContactReplica,
  ) {}

  async export(ctx: RequestContext, requestedId: string): Promise<PersonalDataExport> {
    const exportedAt = new Date();
    const id = uuidOrUndefined(requestedId);
    const data = id ? await withTenant(this.ds, ctx.tenantId, (m) => this.collect(m, ctx.tenantId, id)) : { requestedContactId: requestedId, contactId: null };
    return { module: 'sales', contactId: requestedId, exportedAt, data: JSON.stringify({ exportedAt: exportedAt.toISOString(), service: 'sales', tenantId: ctx.tenantId, ...data }) };
  }

  private async collect(m: EntityManager, tenantId: string, requestedId: string) {
    const contactId = (await this.replica.get(m, tenantId, requestedId))?.contactId ?? requestedId;
    const ids: string[] = (
      await m.query(
        `WITH RECURSIVE person (id) AS (
           SELECT $2::uuid
           UNION SELECT r.contact_id FROM contact_replica r JOIN person p ON r.merged_into = p.id WHERE r.tenant_id = $1)
         SELECT id::text FROM person`,
        [tenantId, contactId],
      )
    ).map((r: { id: string }) => r.id);
    // Sequential on purpose: a transaction has one connection.
    const contactReplica = await m.query(`SELECT * FROM contact_replica WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY contact_id = $3 DESC, contact_id`, [tenantId, ids, contactId]);
    const deals = await m.query(`SELECT * FROM deals WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY created_at, id`, [tenantId, ids]);
    const dealIds = deals.map((d: { id: string }) => d.id);
    const stageHistory = await m.query(`SELECT * FROM deal_stage_history WHERE tenant_id = $1 AND deal_id = ANY($2::uuid[]) ORDER BY moved_at, id`, [tenantId, dealIds]);
    const quotes = await m.query(`SELECT * FROM quotes WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY created_at, id`, [tenantId, ids]);
    const quoteLines = await m.query(`SELECT * FROM quote_lines WHERE tenant_id = $1 AND quote_id = ANY($2::uuid[]) ORDER BY quote_id, position`, [tenantId, quotes.map((q: { id: string }) => q.id)]);
    const orders = await m.query(`SELECT * FROM orders WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY placed_at, id`, [tenantId, ids]);
    const orderLines = await m.query(`SELECT * FROM order_lines WHERE tenant_id = $1 AND order_id = ANY($2::uuid[]) ORDER BY order_id, position`, [tenantId, orders.map((o: { id: string }) => o.id)]);
    const tasks = await m.query(`SELECT * FROM tasks WHERE tenant_id = $1 AND (contact_id = ANY($2::uuid[]) OR deal_id = ANY($3::uuid[])) ORDER BY created_at, id`, [tenantId, ids, dealIds]);
    const byParent = <T extends Record<string, unknown>>(rows: T[], key: string, parentId: string) => rows.filter((r) => r[key] === parentId);
    return {
      requestedContactId: requestedId,
      contactId,
      mergedContactIds: ids.filter((x) => x !== contactId),
      contactReplica,
      deals: deals.map((d: { id: string }) => ({ ...d, stageHistory: byParent(stageHistory, 'deal_id', d.id) })),
      quotes: quotes.map((q: { id: string }) => ({ ...q, lines: byParent(quoteLines, 'quote_id', q.id) })),
      orders: orders.map((o: { id: string }) => ({ ...o, lines: byParent(orderLines, 'order_id', o.id) })),
      tasks,
    };
  }
}
