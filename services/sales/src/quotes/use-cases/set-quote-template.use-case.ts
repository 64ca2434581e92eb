import { Injectable } from '@nestjs/common';
import { invalidField, UnitOfWork, type RequestContext } from '@crm/platform';
import { QuoteRepository } from '../quote.repository';
import { emitQuoteTemplateUpdated } from '../quotes.events';
import { parseTemplate, TemplateError } from '../template';

export const MAX_TEMPLATE_LENGTH = 200_000;

/** The tenant's quote template (HTML with {{placeholders}}); it must parse before it is stored. */
@Injectable()
export class SetQuoteTemplate {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly quotes: QuoteRepository,
  ) {}

  async execute(ctx: RequestContext, html: string): Promise<boolean> {
    if (!html?.trim()) throw invalidField('html', 'must not be empty');
    if (html.length > MAX_TEMPLATE_LENGTH) throw invalidField('html', `at most ${MAX_TEMPLATE_LENGTH} characters`);
    try {
      parseTemplate(html);
    } catch (e) {
      if (e instanceof TemplateError) throw invalidField('html', e.message);
      throw e;
    }
    await this.uow.run(ctx.tenantId, async (tx) => {
      const updatedAt = await this.quotes.saveTemplate(tx, html, ctx.userId);
      await emitQuoteTemplateUpdated(tx, ctx, html, updatedAt);
    });
    return true;
  }
}
