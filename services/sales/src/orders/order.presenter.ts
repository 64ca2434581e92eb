import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { documentFieldsOf } from '../quotes/document-builder';
import { DocumentLineRepository } from '../quotes/document-lines.repository';
import type { Listed, Order } from '../quotes/quote.types';
import type { OrderRow } from './order.repository';

/** Order rows → GraphQL orders: with their lines (use cases: the events carry them) or without (reads: `Order.lines` loads them when selected). */
@Injectable()
export class OrderPresenter {
  constructor(private readonly lines: DocumentLineRepository) {}

  /** With the lines of all of them, read in one query. */
  async present(tx: Tx, rows: readonly OrderRow[]): Promise<Order[]> {
    const lines = await this.lines.load(tx, 'order', rows);
    return this.listed(rows).map((o) => ({ ...o, lines: lines.get(o.id)! }));
  }

  async one(tx: Tx, row: OrderRow): Promise<Order> {
    return (await this.present(tx, [row]))[0];
  }

  listed(rows: readonly OrderRow[]): Listed<Order>[] {
    return rows.map((r) => ({
      id: r.id, number: r.number, contactId: r.contact_id, dealId: r.deal_id, quoteId: r.quote_id, ownerId: r.owner_id, channel: r.channel, status: r.status,
      externalRef: r.external_ref, placedAt: r.placed_at, paidAt: r.paid_at, cancelledAt: r.cancelled_at, ...documentFieldsOf(r),
    }));
  }
}
