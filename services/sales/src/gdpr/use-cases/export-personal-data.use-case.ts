import { Injectable } from '@nestjs/common';
import { isUuid, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { PersonalDataRepository, type StoredRecord } from '../personal-data.repository';
import type { PersonalDataExport } from '../personal-data.types';

const idsOf = (rows: StoredRecord[]) => rows.map((r) => String(r.id));
const childrenOf = (rows: StoredRecord[], key: string, parentId: unknown) => rows.filter((r) => r[key] === parentId);

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
export class ExportPersonalData {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly data: PersonalDataRepository,
    private readonly replica: ContactReplica,
  ) {}

  async execute(ctx: RequestContext, requestedId: string): Promise<PersonalDataExport> {
    const exportedAt = new Date();
    const data = isUuid(requestedId)
      ? await this.uow.run(ctx.tenantId, (tx) => this.collect(tx, requestedId.toLowerCase()))
      : { requestedContactId: requestedId, contactId: null };
    return { module: 'sales', contactId: requestedId, exportedAt, data: JSON.stringify({ exportedAt: exportedAt.toISOString(), service: 'sales', tenantId: ctx.tenantId, ...data }) };
  }

  private async collect(tx: Tx, requestedId: string) {
    const contactId = (await this.replica.get(tx, tx.tenantId, requestedId))?.contactId ?? requestedId;
    const ids = await this.data.personIds(tx, contactId);
    // Sequential on purpose: a transaction has one connection.
    const contactReplica = await this.data.replicaRows(tx, ids, contactId);
    const deals = await this.data.deals(tx, ids);
    const dealIds = idsOf(deals);
    const stageHistory = await this.data.stageHistory(tx, dealIds);
    const quotes = await this.data.quotes(tx, ids);
    const quoteLines = await this.data.quoteLines(tx, idsOf(quotes));
    const orders = await this.data.orders(tx, ids);
    const orderLines = await this.data.orderLines(tx, idsOf(orders));
    const tasks = await this.data.tasks(tx, ids, dealIds);
    return {
      requestedContactId: requestedId,
      contactId,
      mergedContactIds: ids.filter((x) => x !== contactId),
      contactReplica,
      deals: deals.map((d) => ({ ...d, stageHistory: childrenOf(stageHistory, 'deal_id', d.id) })),
      quotes: quotes.map((q) => ({ ...q, lines: childrenOf(quoteLines, 'quote_id', q.id) })),
      orders: orders.map((o) => ({ ...o, lines: childrenOf(orderLines, 'order_id', o.id) })),
      tasks,
    };
  }
}
