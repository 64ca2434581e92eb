import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { currencyOf, idField, optionalDate, optionalIdField, optionalTextField } from '@crm/shared-kernel';
import { DocumentBuilder, documentLinesSchema, parseLines } from '../document-builder';
import { DocumentLineRepository } from '../document-lines.repository';
import { QuotePresenter } from '../quote.presenter';
import { linkedDeal, QuoteRepository } from '../quote.repository';
import type { CreateQuoteInput, Quote } from '../quote.types';
import { emitQuoteCreated } from '../quotes.events';

const createQuoteSchema = z.object({
  contactId: idField('contact id'),
  dealId: optionalIdField('deal id'),
  currency: z.string(),
  priceListId: optionalIdField('price list id'),
  pricesIncludeTax: z.boolean().nullish(),
  validUntil: z.string().nullish(),
  notes: optionalTextField(10000),
  lines: documentLinesSchema,
});

/** A draft quote: lines priced from the price list and taxed per line, totals exact to the minor unit. */
@Injectable()
export class CreateQuote {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly replica: ContactReplica,
    private readonly builder: DocumentBuilder,
    private readonly lines: DocumentLineRepository,
    private readonly quotes: QuoteRepository,
    private readonly presenter: QuotePresenter,
  ) {}

  async execute(ctx: RequestContext, raw: CreateQuoteInput): Promise<Quote> {
    const input = parseInput(createQuoteSchema, raw, 'input');
    const currency = currencyOf(input.currency, 'input.currency');
    const validUntil = optionalDate(input.validUntil, 'input.validUntil');
    const parsedLines = parseLines(input.lines, currency);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const contact = await this.replica.requireActive(tx, input.contactId, 'input.contactId');
      // A quote for a deal belongs to the deal's owner (who earns from it), not to whoever typed it.
      let ownerId = ctx.userId;
      if (input.dealId) {
        const deal = await linkedDeal(tx, input.dealId);
        if (!deal) throw invalidField('input.dealId', `deal ${input.dealId} does not exist`);
        if (deal.contact_id !== contact.contactId) throw invalidField('input.dealId', `deal ${input.dealId} belongs to another contact`);
        ownerId = deal.owner_id;
      }
      const doc = await this.builder.build(tx, { currency, priceListId: input.priceListId, pricesIncludeTax: !!input.pricesIncludeTax, lines: parsedLines });
      const id = randomUUID();
      const row = await this.quotes.insert(
        tx,
        {
          id, number: await this.lines.nextNumber(tx, 'quote'), contactId: contact.contactId, dealId: input.dealId, ownerId, validUntil, notes: input.notes,
          recipientName: contact.displayName, recipientEmail: contact.primaryEmail, createdBy: ctx.userId,
        },
        doc,
      );
      await this.lines.insert(tx, 'quote', id, doc);
      const quote = await this.presenter.one(tx, row);
      await emitQuoteCreated(tx, ctx, quote, row.price_list_id);
      return quote;
    });
  }
}
