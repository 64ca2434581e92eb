import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { activeRecipient, lockQuote, quoteId } from '../quote-lock';
import { QuotePresenter } from '../quote.presenter';
import { QuoteRepository } from '../quote.repository';
import { QuoteStatus, type Quote } from '../quote.types';
import { emitQuoteSent } from '../quotes.events';

@Injectable()
export class SendQuote {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly replica: ContactReplica,
    private readonly quotes: QuoteRepository,
    private readonly presenter: QuotePresenter,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<Quote> {
    const id = quoteId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const q = await lockQuote(tx, this.quotes, id);
      if (q.status !== QuoteStatus.DRAFT) throw conflict(`quote ${q.number} is ${q.status}; only a draft can be sent`, { quoteId: q.id, status: q.status });
      const contact = await activeRecipient(tx, this.replica, q, '');
      const quote = await this.presenter.one(tx, await this.quotes.markSent(tx, q.id, { contactId: contact.contactId, name: contact.displayName, email: contact.primaryEmail }));
      await emitQuoteSent(tx, ctx, quote);
      return quote;
    });
  }
}
