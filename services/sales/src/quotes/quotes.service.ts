import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { QuoteAcceptedV1, QuoteCreatedV1, QuoteDeclinedV1, QuoteSentV1, QuoteTemplateUpdatedV1 } from '@crm/events';
import { badUserInput, conflict, EventPublisher, notFound, withTenant, type RequestContext, updated, isUuid, keysetPage, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { optionalDate } from '../common/graphql';
import { currencyOf } from '../common/money';
import { optionalId, optionalText, requireId } from '../common/validate';
import { OrdersService } from '../orders/orders.service';
import { DocumentBuilder, documentFieldsOf, eventDocument, nextNumber } from './document-builder';
import { renderQuotePdf, type QuotePdfOptions, type QuoteView } from './quote-pdf';
import { type CreateQuoteInput, type Order, type Quote, type QuoteDocument, type QuotePdf, type QuoteFilter, QuoteStatus, SalesChannel } from './quote.types';
import { DEFAULT_QUOTE_TEMPLATE, parseTemplate, renderTemplate, TemplateError } from './template';

const QUOTE_COLUMNS = `*, valid_until::text AS vu`;

@Injectable()
export class QuotesService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
    private readonly replica: ContactReplica,
    private readonly builder: DocumentBuilder,
    private readonly orders: OrdersService,
  ) {}

  private async present(m: EntityManager, rows: any[]): Promise<Quote[]> {
    const lines = await this.builder.loadLines(m, 'quote_lines', 'quote_id', rows.map((r) => ({ id: r.id, currency: r.currency.trim() })));
    return rows.map((r) => ({
      id: r.id, number: r.number, contactId: r.contact_id, dealId: r.deal_id, ownerId: r.owner_id, status: r.status, validUntil: r.vu, notes: r.notes,
      createdAt: r.created_at, sentAt: r.sent_at, acceptedAt: r.accepted_at, ...documentFieldsOf(r), lines: lines.get(r.id)!,
    }));
  }

  async create(ctx: RequestContext, input: CreateQuoteInput): Promise<Quote> {
    const contactIdIn = requireId(input.contactId, 'input.contactId', 'contact id');
    const dealId = optionalId(input.dealId, 'input.dealId', 'deal id');
    const currency = currencyOf(input.currency, 'input.currency');
    const priceListId = optionalId(input.priceListId, 'input.priceListId', 'price list id');
    const notes = optionalText(input.notes, 'input.notes', 10000);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const contact = await this.replica.get(m, ctx.tenantId, contactIdIn);
      if (!contact) throw badUserInput(`input.contactId: contact ${contactIdIn} does not exist`, { field: 'input.contactId' });
      if (contact.erasedAt) throw badUserInput(`input.contactId: contact ${contactIdIn} was erased`, { field: 'input.contactId' });
      let ownerId = ctx.userId;
      if (dealId) {
        const [deal] = await m.query(`SELECT contact_id, owner_id FROM deals WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, dealId]);
        if (!deal) throw badUserInput(`input.dealId: deal ${dealId} does not exist`, { field: 'input.dealId' });
        if (deal.contact_id !== contact.contactId) throw badUserInput(`input.dealId: deal ${dealId} belongs to another contact`, { field: 'input.dealId' });
        ownerId = deal.owner_id;
      }
      const doc = await this.builder.build(m, ctx.tenantId, { currency, priceListId, pricesIncludeTax: !!input.pricesIncludeTax, lines: input.lines });
      const id = randomUUID();
      const number = await nextNumber(m, ctx.tenantId, 'quote');
      const [row] = await m.query(
        `INSERT INTO quotes (id, tenant_id, number, contact_id, deal_id, owner_id, price_list_id, valid_until, notes, recipient_name, recipient_email,
                             currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING ${QUOTE_COLUMNS}`,
        [id, ctx.tenantId, number, contact.contactId, dealId, ownerId, doc.priceListId, optionalDate(input.validUntil, 'input.validUntil'), notes, contact.displayName, contact.primaryEmail, ...this.builder.totalsParams(doc), ctx.userId],
      );
      await this.builder.insertLines(m, ctx.tenantId, 'quote_lines', 'quote_id', id, doc);
      const [quote] = await this.present(m, [row]);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: QuoteCreatedV1.type,
          subject: quote.id,
          data: {
            quoteId: quote.id, number: quote.number, contactId: quote.contactId, dealId: quote.dealId, ownerId: quote.ownerId, priceListId: row.price_list_id,
            validUntil: quote.validUntil, ...eventDocument(quote, quote.lines), createdBy: ctx.userId, createdAt: new Date(row.created_at).toISOString(),
          },
        },
      ]);
      return quote;
    });
  }

  private async lock(m: EntityManager, tenantId: string, rawId: string) {
    const id = requireId(rawId, 'id', 'quote id');
    const [row] = await m.query(
      `SELECT ${QUOTE_COLUMNS}, (valid_until IS NOT NULL AND valid_until < current_date) AS expired FROM quotes WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, id],
    );
    if (!row) throw notFound(`quote ${id} does not exist`);
    return row;
  }

  async send(ctx: RequestContext, rawId: string): Promise<Quote> {
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const q = await this.lock(m, ctx.tenantId, rawId);
      if (q.status !== QuoteStatus.DRAFT) throw conflict(`quote ${q.number} is ${q.status}; only a draft can be sent`, { quoteId: q.id, status: q.status });
      const contact = await this.replica.get(m, ctx.tenantId, q.contact_id);
      if (!contact || contact.erasedAt) throw badUserInput(`quote ${q.number}: its contact was erased`, { field: 'id' });
      const [row] = await updated(m,
        `UPDATE quotes SET status = 'sent', sent_at = now(), contact_id = $3, recipient_name = $4, recipient_email = $5 WHERE tenant_id = $1 AND id = $2 RETURNING ${QUOTE_COLUMNS}`,
        [ctx.tenantId, q.id, contact.contactId, contact.displayName, contact.primaryEmail],
      );
      const [quote] = await this.present(m, [row]);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: QuoteSentV1.type,
          subject: quote.id,
          data: {
            quoteId: quote.id, number: quote.number, contactId: quote.contactId, dealId: quote.dealId, ownerId: quote.ownerId, validUntil: quote.validUntil,
            ...eventDocument(quote, quote.lines), sentBy: ctx.userId, sentAt: new Date(row.sent_at).toISOString(),
          },
        },
      ]);
      return quote;
    });
  }

  /** The customer accepted: the quote becomes an order (same lines and totals), order.placed is emitted. */
  async accept(ctx: RequestContext, rawId: string, channel: SalesChannel = SalesChannel.DIRECT): Promise<Order> {
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const q = await this.lock(m, ctx.tenantId, rawId);
      if (q.status !== QuoteStatus.SENT && q.status !== QuoteStatus.DRAFT) throw conflict(`quote ${q.number} is ${q.status}; it cannot be accepted`, { quoteId: q.id, status: q.status });
      if (q.expired) throw conflict(`quote ${q.number} expired on ${q.vu}; it can no longer be accepted`, { quoteId: q.id, validUntil: q.vu });
      const contact = await this.replica.get(m, ctx.tenantId, q.contact_id);
      if (!contact || contact.erasedAt) throw badUserInput(`quote ${q.number}: its contact was erased; it cannot become an order`, { field: 'id' });
      const [row] = await updated(m, `UPDATE quotes SET status = 'accepted', accepted_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING accepted_at`, [ctx.tenantId, q.id]);
      const order = await this.orders.fromQuote(m, ctx, q, channel);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: QuoteAcceptedV1.type,
          subject: q.id,
          data: {
            quoteId: q.id, number: q.number, contactId: q.contact_id, dealId: q.deal_id, ownerId: q.owner_id, orderId: order.id, total: { ...order.total },
            acceptedBy: ctx.userId, acceptedAt: new Date(row.accepted_at).toISOString(),
          },
        },
      ]);
      return order;
    });
  }

  async decline(ctx: RequestContext, rawId: string): Promise<Quote> {
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const q = await this.lock(m, ctx.tenantId, rawId);
      if (q.status !== QuoteStatus.SENT && q.status !== QuoteStatus.DRAFT) throw conflict(`quote ${q.number} is ${q.status}; it cannot be declined`, { quoteId: q.id, status: q.status });
      const [row] = await updated(m, `UPDATE quotes SET status = 'declined', declined_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${QUOTE_COLUMNS}`, [ctx.tenantId, q.id]);
      const [quote] = await this.present(m, [row]);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: QuoteDeclinedV1.type,
          subject: quote.id,
          data: {
            quoteId: quote.id, number: quote.number, contactId: quote.contactId, dealId: quote.dealId, ownerId: quote.ownerId, total: { ...quote.total },
            declinedBy: ctx.userId, declinedAt: new Date(row.declined_at).toISOString(),
          },
        },
      ]);
      return quote;
    });
  }

  async getMany(tenantId: string, ids: readonly string[]): Promise<(Quote | null)[]> {
    const valid = ids.filter(isUuid).map((i) => i.toLowerCase());
    const quotes = valid.length ? await withTenant(this.ds, tenantId, async (m) => this.present(m, await m.query(`SELECT ${QUOTE_COLUMNS} FROM quotes WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, valid]))) : [];
    return ids.map((id) => quotes.find((q) => q.id === id.toLowerCase()) ?? null);
  }

  async list(tenantId: string, filter: QuoteFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Quote>> {
    const page = keysetPage(QUOTE_ORDER, args);
    const contactId = optionalId(filter.contactId ?? undefined, 'filter.contactId', 'contact id');
    const dealId = optionalId(filter.dealId ?? undefined, 'filter.dealId', 'deal id');
    const params: unknown[] = [tenantId, contactId, dealId, filter.status ?? null];
    const where = `tenant_id = $1 AND ($2::uuid IS NULL OR contact_id = $2) AND ($3::uuid IS NULL OR deal_id = $3) AND ($4::text IS NULL OR status = $4)`;
    const countParams = [...params];
    const p = (v: unknown) => `$${params.push(v)}`;
    const after = page.afterSql(p);
    return withTenant(this.ds, tenantId, async (m) => {
      const rows: KeysetRow[] = await m.query(`SELECT ${QUOTE_COLUMNS}, ${page.sortKey} AS sort_key FROM quotes WHERE ${where}${after ? ` AND ${after}` : ''} ORDER BY ${page.orderBy} LIMIT ${p(page.limit)}`, params);
      const n = withTotal ? (await m.query(`SELECT count(*)::int AS n FROM quotes WHERE ${where}`, countParams))[0].n : null;
      return page.connection(rows, (r) => this.present(m, r), n);
    });
  }

  async setTemplate(ctx: RequestContext, html: string): Promise<boolean> {
    if (!html?.trim()) throw badUserInput('html: must not be empty', { field: 'html' });
    if (html.length > 200_000) throw badUserInput('html: at most 200000 characters', { field: 'html' });
    try {
      parseTemplate(html);
    } catch (e) {
      if (e instanceof TemplateError) throw badUserInput(`html: ${e.message}`, { field: 'html' });
      throw e;
    }
    await withTenant(this.ds, ctx.tenantId, async (m) => {
      const [row] = await m.query(
        `INSERT INTO quote_templates (tenant_id, html, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET html = EXCLUDED.html, updated_by = EXCLUDED.updated_by, updated_at = now() RETURNING updated_at`,
        [ctx.tenantId, html, ctx.userId],
      );
      await this.events.emit(m, ctx.tenantId, [
        { type: QuoteTemplateUpdatedV1.type, subject: ctx.tenantId, data: { sha256: createHash('sha256').update(html).digest('hex'), length: html.length, updatedBy: ctx.userId, updatedAt: new Date(row.updated_at).toISOString() } },
      ]);
    });
    return true;
  }

  /** The quote rendered from the tenant's template (or the built-in one) as an HTML document. */
  async render(ctx: RequestContext, rawId: string): Promise<QuoteDocument> {
    const { view, template } = await this.loadView(ctx, rawId, true);
    const content = renderTemplate(template ?? DEFAULT_QUOTE_TEMPLATE, view as unknown as Record<string, unknown>);
    return { fileName: `${view.number}.html`, contentType: 'text/html; charset=utf-8', content };
  }

  /** The quote as a PDF (same data as the HTML document; drawn outside the transaction). */
  async renderPdf(ctx: RequestContext, rawId: string, options: QuotePdfOptions = {}): Promise<QuotePdf> {
    const { view, createdAt } = await this.loadView(ctx, rawId, false);
    const pdf = await renderQuotePdf({ ...view, seller: ctx.tenantId, createdAt }, options);
    return { fileName: `${view.number}.pdf`, contentType: 'application/pdf', base64: pdf.toString('base64'), bytes: pdf.length };
  }

  /** What a quote document shows: the quote's stored figures as exact decimal strings, the recipient as the replica gave it at creation/sending. */
  private async loadView(ctx: RequestContext, rawId: string, withTemplate: boolean): Promise<{ view: QuoteView; createdAt: Date; template: string | null }> {
    const id = requireId(rawId, 'id', 'quote id');
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const [row] = await m.query(`SELECT ${QUOTE_COLUMNS} FROM quotes WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id]);
      if (!row) throw notFound(`quote ${id} does not exist`);
      const [q] = await this.present(m, [row]);
      const [tpl] = withTemplate ? await m.query(`SELECT html FROM quote_templates WHERE tenant_id = $1`, [ctx.tenantId]) : [];
      const createdAt = new Date(row.created_at);
      const view: QuoteView = {
        number: q.number,
        date: createdAt.toISOString().slice(0, 10),
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
      };
      return { view, createdAt, template: tpl?.html ?? null };
    });
  }
}

/** Quotes newest first. */
const QUOTE_ORDER: KeysetOrder = { name: 'quotes', key: 'created_at', dir: 'DESC', timestamp: true };
