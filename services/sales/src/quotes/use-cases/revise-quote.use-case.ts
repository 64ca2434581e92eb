import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { conflict, UnitOfWork, type RequestContext } from '@crm/platform';
import { DocumentLineRepository } from '../document-lines.repository';
import { DraftEditor, type DraftEdit } from '../draft-edit';
import { QuotePresenter } from '../quote.presenter';
import { lockQuote, quoteId } from '../quote-lock';
import { QuoteRepository } from '../quote.repository';
import { type Quote, QuoteStatus, type UpdateQuoteInput } from '../quote.types';
import { emitQuoteCreated, emitQuoteRevised } from '../quotes.events';

/**
 * Revises a sent quote: a new draft version (number `<first number>-<version>`) starts as a copy
 * of it — same lines at the prices it was issued with — with the given edits applied; the sent one
 * becomes `superseded`, linked both ways, and can no longer be accepted.
 */
@Injectable()
export class ReviseQuote {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly editor: DraftEditor,
    private readonly quotes: QuoteRepository,
    private readonly lines: DocumentLineRepository,
    private readonly presenter: QuotePresenter,
  ) {}

  async execute(ctx: RequestContext, rawId: string, raw: UpdateQuoteInput | null | undefined): Promise<Quote> {
    const edit: DraftEdit | null = raw && Object.values(raw).some((v) => v !== undefined) ? this.editor.parse(raw) : null;
    const id = quoteId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const q = await lockQuote(tx, this.quotes, id);
      if (q.status !== QuoteStatus.SENT) {
        const why =
          q.status === QuoteStatus.DRAFT ? '; edit the draft instead (updateQuote)' : q.status === QuoteStatus.SUPERSEDED ? `; it was revised already (${q.superseded_by_id})` : '';
        throw conflict(`quote ${q.number} is ${q.status}; only a sent quote can be revised${why}`, { quoteId: q.id, status: q.status });
      }
      const rootId = q.root_id ?? q.id;
      const rootNumber = q.root_id ? q.number.replace(/-\d+$/, '') : q.number;
      const version = q.version + 1;
      const newId = randomUUID();
      let row = await this.quotes.insertRevisionOf(tx, q.id, { id: newId, number: `${rootNumber}-${version}`, version, rootId, createdBy: ctx.userId });
      await this.lines.copyQuoteLines(tx, q.id, newId);
      if (edit) row = (await this.editor.apply(tx, row, edit)).row;
      const revisedAt = await this.quotes.markSuperseded(tx, q.id, newId);
      const [old, revision] = await this.presenter.present(tx, [(await this.quotes.byId(tx, q.id))!, row]);
      await emitQuoteRevised(tx, ctx, old, revision, revisedAt);
      await emitQuoteCreated(tx, ctx, revision, row.price_list_id);
      return revision;
    });
  }
}
