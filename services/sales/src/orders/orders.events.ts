import { OrderCancelledV1, OrderPaidV1, OrderPlacedV1 } from '@crm/events';
import type { RequestContext, Tx } from '@crm/platform';
import { eventDocument } from '../quotes/document-builder';
import type { Order } from '../quotes/quote.types';

const iso = (d: Date | string) => new Date(d).toISOString();

export function emitOrderPlaced(tx: Tx, o: Order): Promise<void> {
  return tx.emit(OrderPlacedV1, o.id, {
    orderId: o.id, number: o.number, contactId: o.contactId, dealId: o.dealId, quoteId: o.quoteId, ownerId: o.ownerId, channel: o.channel,
    externalRef: o.externalRef, ...eventDocument(o, o.lines), placedAt: iso(o.placedAt),
  });
}

export function emitOrderPaid(tx: Tx, o: Order): Promise<void> {
  return tx.emit(OrderPaidV1, o.id, {
    orderId: o.id, number: o.number, contactId: o.contactId, ownerId: o.ownerId, channel: o.channel, total: { ...o.total }, paidAt: iso(o.paidAt!),
  });
}

export function emitOrderCancelled(tx: Tx, ctx: RequestContext, o: Order): Promise<void> {
  return tx.emit(OrderCancelledV1, o.id, {
    orderId: o.id, number: o.number, contactId: o.contactId, channel: o.channel, total: { ...o.total }, cancelledAt: iso(o.cancelledAt!), cancelledBy: ctx.userId,
  });
}
