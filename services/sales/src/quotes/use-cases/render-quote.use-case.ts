import { Injectable } from '@nestjs/common';
import { resolveIssuer, TenantProfiles } from '@crm/documents';
import { notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { quoteId } from '../quote-lock';
import { renderQuotePdf, type QuotePdfOptions } from '../quote-pdf';
import { quoteView, type QuoteView } from '../quote-view';
import { QuotePresenter } from '../quote.presenter';
import { QuoteRepository } from '../quote.repository';
import type { QuoteDocument, QuotePdf } from '../quote.types';
import { DEFAULT_QUOTE_TEMPLATE, renderTemplate } from '../template';

/** A quote as a document: HTML from the tenant's template (or the built-in one), or a PDF in a fixed layout. */
@Injectable()
export class RenderQuote {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly quotes: QuoteRepository,
    private readonly presenter: QuotePresenter,
    private readonly profiles: TenantProfiles,
  ) {}

  async html(ctx: RequestContext, rawId: string): Promise<QuoteDocument> {
    const { view, template } = await this.load(ctx, rawId, true);
    const content = renderTemplate(template ?? DEFAULT_QUOTE_TEMPLATE, view as unknown as Record<string, unknown>);
    return { fileName: `${view.number}.html`, contentType: 'text/html; charset=utf-8', content };
  }

  /** Same data as the HTML document; drawn after the transaction, so no connection waits on the PDF. */
  async pdf(ctx: RequestContext, rawId: string, options: QuotePdfOptions = {}): Promise<QuotePdf> {
    const { view, createdAt } = await this.load(ctx, rawId, false);
    const pdf = await renderQuotePdf({ ...view, createdAt }, options);
    return { fileName: `${view.number}.pdf`, contentType: 'application/pdf', base64: pdf.toString('base64'), bytes: pdf.length };
  }

  /**
   * What a quote document shows: the stored figures (and the same written in the issuer's locale), the
   * recipient as the replica gave it at creation/sending, the tenant's profile as the issuer.
   */
  private async load(ctx: RequestContext, rawId: string, withTemplate: boolean): Promise<{ view: QuoteView; createdAt: Date; template: string | null }> {
    const id = quoteId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const row = await this.quotes.byId(tx, id);
      if (!row) throw notFound(`quote ${id} does not exist`);
      const q = await this.presenter.one(tx, row);
      const template = withTemplate ? await this.quotes.template(tx) : null;
      const issuer = resolveIssuer(await this.profiles.documentIssuer(tx), ctx.tenantId);
      const createdAt = new Date(row.created_at);
      const view = quoteView({
        number: q.number,
        createdAt,
        validUntil: q.validUntil,
        notes: q.notes,
        currency: q.currency,
        pricesIncludeTax: q.pricesIncludeTax,
        customer: { name: row.recipient_name ?? 'Customer', email: row.recipient_email },
        lines: q.lines.map((l, i) => ({
          no: i + 1, description: l.description, sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice.amount, discountPercent: l.discountPercent,
          discount: l.discount.amount, taxRate: l.taxRate, net: l.net.amount, tax: l.tax.amount, gross: l.gross.amount,
        })),
        subtotal: q.subtotal.amount,
        taxes: q.taxes.map((t) => ({ rate: t.rate, net: t.net.amount, tax: t.tax.amount })),
        discountTotal: q.discountTotal.amount,
        taxTotal: q.taxTotal.amount,
        total: q.total.amount,
      }, issuer);
      return { view, createdAt, template };
    });
  }
}
