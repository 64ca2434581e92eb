import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { currencyOf, idField, optionalIdField, optionalTextField } from '@crm/shared-kernel';
import { DocumentBuilder, documentLinesSchema, parseLines } from '../../quotes/document-builder';
import { DocumentLineRepository } from '../../quotes/document-lines.repository';
import { linkedDeal } from '../../quotes/quote.repository';
import { SalesChannel, type Order, type PlaceOrderInput } from '../../quotes/quote.types';
import { OrderPayment } from '../order-payment';
import { OrderPresenter } from '../order.presenter';
import { OrderRepository } from '../order.repository';
import { emitOrderPlaced } from '../orders.events';

const placeOrderSchema = z.object({
  contactId: idField('contact id'),
  dealId: optionalIdField('deal id'),
  channel: z.enum(SalesChannel, 'unknown channel'),
  currency: z.string(),
  priceListId: optionalIdField('price list id'),
  pricesIncludeTax: z.boolean().nullish(),
  lines: documentLinesSchema,
  externalRef: optionalTextField(200),
  ownerId: optionalTextField(200),
  paid: z.boolean().nullish(),
});

/** A purchase outside the quote flow (point of sale, web shop, phone…); the same externalRef twice returns the first order. */
@Injectable()
export class PlaceOrder {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly replica: ContactReplica,
    private readonly builder: DocumentBuilder,
    private readonly lines: DocumentLineRepository,
    private readonly orders: OrderRepository,
    private readonly presenter: OrderPresenter,
    private readonly payment: OrderPayment,
  ) {}

  async execute(ctx: RequestContext, raw: PlaceOrderInput): Promise<Order> {
    const input = parseInput(placeOrderSchema, raw, 'input');
    const currency = currencyOf(input.currency, 'input.currency');
    const parsedLines = parseLines(input.lines, currency);
    return this.uow.run(ctx.tenantId, async (tx) => {
      if (input.externalRef) {
        const existing = await this.orders.lockExternalRef(tx, input.channel, input.externalRef);
        if (existing) return this.presenter.one(tx, existing);
      }
      const contact = await this.replica.requireActive(tx, input.contactId, 'input.contactId');
      if (input.dealId) {
        const deal = await linkedDeal(tx, input.dealId);
        if (!deal) throw invalidField('input.dealId', `deal ${input.dealId} does not exist`);
        if (deal.contact_id !== contact.contactId) throw invalidField('input.dealId', `deal ${input.dealId} belongs to another contact`);
      }
      const doc = await this.builder.build(tx, { currency, priceListId: input.priceListId, pricesIncludeTax: !!input.pricesIncludeTax, lines: parsedLines });
      const id = randomUUID();
      const row = await this.orders.insert(
        tx,
        {
          id, number: await this.lines.nextNumber(tx, 'order'), contactId: contact.contactId, dealId: input.dealId, ownerId: input.ownerId ?? ctx.userId, channel: input.channel,
          externalRef: input.externalRef, billingName: contact.displayName, billingEmail: contact.primaryEmail, createdBy: ctx.userId,
        },
        doc,
      );
      await this.lines.insert(tx, 'order', id, doc);
      const order = await this.presenter.one(tx, row);
      await emitOrderPlaced(tx, order);
      return input.paid ? this.payment.pay(tx, order.id) : order;
    });
  }
}
