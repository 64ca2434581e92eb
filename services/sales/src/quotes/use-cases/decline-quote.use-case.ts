import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { lockQuote, quoteId } from '../quote-lock';
import { QuotePresenter } from '../quote.presenter';
import { QuoteRepository } from '../quote.repository';
import { QuoteStatus, type Quote } from '../quote.types';
import { emitQuoteDeclined } from '../quotes.events';

@Injectable()
export class DeclineQuote {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly quotes: QuoteRepository,
    private readonly presenter: QuotePresenter,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<Quote> {
    const id = quoteId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const q = await lockQuote(tx, this.quotes, id);
      if (q.status !== QuoteStatus.SENT && q.status !== QuoteStatus.DRAFT) throw conflict(`quote ${q.number} is ${q.status}; it cannot be declined`, { quoteId: q.id, status: q.status });
      const row = await this.quotes.markDeclined(tx, q.id);
      const quote = await this.presenter.one(tx, row);
      await emitQuoteDeclined(tx, ctx, quote, row.declined_at!);
      return quote;
    });
  }
}
