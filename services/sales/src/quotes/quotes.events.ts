import { createHash } from 'node:crypto';
import { QuoteAcceptedV1, QuoteCreatedV1, QuoteDeclinedV1, QuoteRevisedV1, QuoteSentV1, QuoteTemplateUpdatedV1, QuoteUpdatedV1 } from '@crm/events';
import type { RequestContext, Tx } from '@crm/platform';
import { eventDocument } from './document-builder';
import type { Order, Quote } from './quote.types';

const iso = (d: Date | string) => new Date(d).toISOString();

export function emitQuoteCreated(tx: Tx, ctx: RequestContext, q: Quote, priceListId: string | null): Promise<void> {
  return tx.emit(QuoteCreatedV1, q.id, {
    quoteId: q.id, number: q.number, contactId: q.contactId, dealId: q.dealId, ownerId: q.ownerId, priceListId,
    validUntil: q.validUntil, ...eventDocument(q, q.lines), createdBy: ctx.userId, createdAt: iso(q.createdAt),
  });
}

export function emitQuoteSent(tx: Tx, ctx: RequestContext, q: Quote): Promise<void> {
  return tx.emit(QuoteSentV1, q.id, {
    quoteId: q.id, number: q.number, contactId: q.contactId, dealId: q.dealId, ownerId: q.ownerId, validUntil: q.validUntil,
    ...eventDocument(q, q.lines), sentBy: ctx.userId, sentAt: iso(q.sentAt!),
  });
}

export function emitQuoteAccepted(tx: Tx, ctx: RequestContext, q: Pick<Quote, 'id' | 'number' | 'contactId' | 'dealId' | 'ownerId'>, order: Order, acceptedAt: Date): Promise<void> {
  return tx.emit(QuoteAcceptedV1, q.id, {
    quoteId: q.id, number: q.number, contactId: q.contactId, dealId: q.dealId, ownerId: q.ownerId, orderId: order.id, total: { ...order.total },
    acceptedBy: ctx.userId, acceptedAt: iso(acceptedAt),
  });
}

export function emitQuoteDeclined(tx: Tx, ctx: RequestContext, q: Quote, declinedAt: Date): Promise<void> {
  return tx.emit(QuoteDeclinedV1, q.id, {
    quoteId: q.id, number: q.number, contactId: q.contactId, dealId: q.dealId, ownerId: q.ownerId, total: { ...q.total },
    declinedBy: ctx.userId, declinedAt: iso(declinedAt),
  });
}

/** The event carries the template's hash and size, not the HTML (it may be large; subscribers fetch it if they need it). */
export function emitQuoteTemplateUpdated(tx: Tx, ctx: RequestContext, html: string, updatedAt: Date): Promise<void> {
  return tx.emit(QuoteTemplateUpdatedV1, ctx.tenantId, {
    sha256: createHash('sha256').update(html).digest('hex'), length: html.length, updatedBy: ctx.userId, updatedAt: iso(updatedAt),
  });
}

export function emitQuoteUpdated(tx: Tx, ctx: RequestContext, q: Quote, priceListId: string | null, changed: string[]): Promise<void> {
  return tx.emit(QuoteUpdatedV1, q.id, {
    quoteId: q.id, number: q.number, contactId: q.contactId, dealId: q.dealId, ownerId: q.ownerId, priceListId,
    validUntil: q.validUntil, ...eventDocument(q, q.lines), changed, updatedBy: ctx.userId,
  });
}

export function emitQuoteRevised(tx: Tx, ctx: RequestContext, old: Quote, revision: Quote, revisedAt: Date): Promise<void> {
  return tx.emit(QuoteRevisedV1, old.id, {
    quoteId: old.id, number: old.number, version: old.version, supersededById: revision.id, supersededByNumber: revision.number,
    contactId: old.contactId, dealId: old.dealId, revisedBy: ctx.userId, revisedAt: iso(revisedAt),
  });
}
