import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { OrderPresenter } from '../../orders/order.presenter';
import { OrderRepository } from '../../orders/order.repository';
import { emitOrderPlaced } from '../../orders/orders.events';
import { DocumentLineRepository } from '../document-lines.repository';
import { activeRecipient, lockQuote, quoteId } from '../quote-lock';
import { QuoteRepository } from '../quote.repository';
import { QuoteStatus, SalesChannel, type Order } from '../quote.types';
import { emitQuoteAccepted } from '../quotes.events';

/** The customer accepted: the quote becomes an order (same lines and totals); order.placed and quote.accepted are emitted. */
@Injectable()
export class AcceptQuote {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly replica: ContactReplica,
    private readonly quotes: QuoteRepository,
    private readonly lines: DocumentLineRepository,
    private readonly orders: OrderRepository,
    private readonly orderPresenter: OrderPresenter,
  ) {}

  async execute(ctx: RequestContext, rawId: string, channel: SalesChannel = SalesChannel.DIRECT): Promise<Order> {
    const id = quoteId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const q = await lockQuote(tx, this.quotes, id);
      if (q.status !== QuoteStatus.SENT && q.status !== QuoteStatus.DRAFT) throw conflict(`quote ${q.number} is ${q.status}; it cannot be accepted`, { quoteId: q.id, status: q.status });
      if (q.expired) throw conflict(`quote ${q.number} expired on ${q.valid_until}; it can no longer be accepted`, { quoteId: q.id, validUntil: q.valid_until });
      await activeRecipient(tx, this.replica, q, '; it cannot become an order');
      const acceptedAt = await this.quotes.markAccepted(tx, q.id);
      const orderId = randomUUID();
      const row = await this.orders.insertFromQuote(tx, { id: orderId, number: await this.lines.nextNumber(tx, 'order'), quoteId: q.id, channel, createdBy: ctx.userId });
      await this.lines.copyQuoteLinesToOrder(tx, q.id, orderId);
      const order = await this.orderPresenter.one(tx, row);
      await emitOrderPlaced(tx, order);
      await emitQuoteAccepted(tx, ctx, { id: q.id, number: q.number, contactId: q.contact_id, dealId: q.deal_id, ownerId: q.owner_id }, order, acceptedAt);
      return order;
    });
  }
}
