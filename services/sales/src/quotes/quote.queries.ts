import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { isUuid, keysetPage, parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type KeysetOrder } from '@crm/platform';
import { optionalIdField } from '@crm/shared-kernel';
import { QuotePresenter } from './quote.presenter';
import { QuoteRepository } from './quote.repository';
import { QuoteStatus, type Listed, type Quote, type QuoteFilter } from './quote.types';

/** Quotes newest first. */
const QUOTE_ORDER: KeysetOrder = { name: 'quotes', key: 'created_at', dir: 'DESC', timestamp: true };

const quoteFilterSchema = z.object({
  contactId: optionalIdField('contact id'),
  dealId: optionalIdField('deal id'),
  status: z.enum(QuoteStatus).nullish().transform((v) => v ?? null),
});

/** Reads of quotes: by id (batched) and the filtered list. */
@Injectable()
export class QuoteQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly quotes: QuoteRepository,
    private readonly presenter: QuotePresenter,
  ) {}

  /** result[i] belongs to ids[i]; a malformed or unknown id is null (it never fails the batch). */
  async getMany(tenantId: string, ids: readonly string[]): Promise<(Listed<Quote> | null)[]> {
    const valid = ids.filter(isUuid).map((i) => i.toLowerCase());
    const quotes = valid.length ? await this.uow.run(tenantId, async (tx) => this.presenter.listed(await this.quotes.byIds(tx, valid))) : [];
    return ids.map((id) => quotes.find((q) => q.id === id.toLowerCase()) ?? null);
  }

  /** result[i]: every version of the quote whose first version is rootIds[i], oldest first. */
  async versionsOf(tenantId: string, rootIds: readonly string[]): Promise<Listed<Quote>[][]> {
    const all = await this.uow.run(tenantId, async (tx) => this.presenter.listed(await this.quotes.versionsOf(tx, rootIds)));
    return rootIds.map((r) => all.filter((q) => q.rootId === r));
  }

  async list(tenantId: string, rawFilter: QuoteFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Listed<Quote>>> {
    const filter = parseInput(quoteFilterSchema, rawFilter, 'filter');
    const page = keysetPage(QUOTE_ORDER, args);
    return this.uow.run(tenantId, async (tx) => {
      const { rows, total } = await this.quotes.page(tx, filter, page, withTotal);
      return page.connection(rows, (r) => this.presenter.listed(r), total);
    });
  }
}
