import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { documentFieldsOf } from '../quotes/document-builder';
import { DocumentLineRepository } from '../quotes/document-lines.repository';
import type { Order } from '../quotes/quote.types';
import type { OrderRow } from './order.repository';

/** Order rows → GraphQL orders, with the lines of all of them read in one query. */
@Injectable()
export class OrderPresenter {
  constructor(private readonly lines: DocumentLineRepository) {}

  async present(tx: Tx, rows: readonly OrderRow[]): Promise<Order[]> {
    const lines = await this.lines.load(tx, 'order', rows);
    return rows.map((r) => ({
      id: r.id, number: r.number, contactId: r.contact_id, dealId: r.deal_id, quoteId: r.quote_id, ownerId: r.owner_id, channel: r.channel, status: r.status,
      externalRef: r.external_ref, placedAt: r.placed_at, paidAt: r.paid_at, cancelledAt: r.cancelled_at, ...documentFieldsOf(r), lines: lines.get(r.id)!,
    }));
  }

  async one(tx: Tx, row: OrderRow): Promise<Order> {
    return (await this.present(tx, [row]))[0];
  }
}
