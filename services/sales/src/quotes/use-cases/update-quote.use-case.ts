import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { DraftEditor } from '../draft-edit';
import { QuotePresenter } from '../quote.presenter';
import { lockQuote, quoteId } from '../quote-lock';
import { QuoteRepository } from '../quote.repository';
import { type Quote, QuoteStatus, type UpdateQuoteInput } from '../quote.types';
import { emitQuoteUpdated } from '../quotes.events';

/** Edits a draft quote (lines, discounts, validity, notes); a sent quote is revised instead (reviseQuote). */
@Injectable()
export class UpdateQuote {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly editor: DraftEditor,
    private readonly quotes: QuoteRepository,
    private readonly presenter: QuotePresenter,
  ) {}

  async execute(ctx: RequestContext, rawId: string, raw: UpdateQuoteInput): Promise<Quote> {
    const edit = this.editor.parse(raw);
    const id = quoteId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const q = await lockQuote(tx, this.quotes, id);
      if (q.status !== QuoteStatus.DRAFT) {
        const how = q.status === QuoteStatus.SENT ? '; revise it into a new version (reviseQuote) instead' : '';
        throw conflict(`quote ${q.number} is ${q.status}; only a draft can be edited${how}`, { quoteId: q.id, status: q.status });
      }
      const { row, changed } = await this.editor.apply(tx, q, edit);
      const quote = await this.presenter.one(tx, row);
      if (changed.length) await emitQuoteUpdated(tx, ctx, quote, row.price_list_id, changed);
      return quote;
    });
  }
}
