import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { OrderCancelledV1, OrderPaidV1, OrderPlacedV1 } from '@crm/events';
import { badUserInput, conflict, EventPublisher, notFound, withTenant, type RequestContext, updated, isUuid, keysetPage, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { currencyOf, fromDb, money, type Money } from '../common/money';
import { optionalId, optionalText, requireId } from '../common/validate';
import { CommissionsService } from '../commissions/commissions.service';
import { DocumentBuilder, documentFieldsOf, eventDocument, nextNumber } from '../quotes/document-builder';
import { type Order, type OrderFilter, OrderStatus, type PlaceOrderInput, SalesChannel } from '../quotes/quote.types';

@Injectable()
export class OrdersService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
    private readonly replica: ContactReplica,
    private readonly builder: DocumentBuilder,
    private readonly commissions: CommissionsService,
  ) {}

  async present(m: EntityManager, rows: any[]): Promise<Order[]> {
    const lines = await this.builder.loadLines(m, 'order_lines', 'order_id', rows.map((r) => ({ id: r.id, currency: r.currency.trim() })));
    return rows.map((r) => ({
      id: r.id, number: r.number, contactId: r.contact_id, dealId: r.deal_id, quoteId: r.quote_id, ownerId: r.owner_id, channel: r.channel, status: r.status,
      externalRef: r.external_ref, placedAt: r.placed_at, paidAt: r.paid_at, cancelledAt: r.cancelled_at, ...documentFieldsOf(r), lines: lines.get(r.id)!,
    }));
  }

  private async emitPlaced(m: EntityManager, tenantId: string, o: Order) {
    await this.events.emit(m, tenantId, [
      {
        type: OrderPlacedV1.type,
        subject: o.id,
        data: {
          orderId: o.id, number: o.number, contactId: o.contactId, dealId: o.dealId, quoteId: o.quoteId, ownerId: o.ownerId, channel: o.channel,
          externalRef: o.externalRef, ...eventDocument(o, o.lines), placedAt: new Date(o.placedAt).toISOString(),
        },
      },
    ]);
  }

  /** Called by QuotesService.accept inside its transaction. */
  async fromQuote(m: EntityManager, ctx: RequestContext, q: any, channel: SalesChannel): Promise<Order> {
    const id = randomUUID();
    const number = await nextNumber(m, ctx.tenantId, 'order');
    const [row] = await m.query(
      `INSERT INTO orders (id, tenant_id, number, contact_id, deal_id, quote_id, owner_id, channel, billing_name, billing_email,
                           currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, created_by)
       SELECT $1, tenant_id, $2, contact_id, deal_id, id, owner_id, $3, recipient_name, recipient_email,
              currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, $4
       FROM quotes WHERE id = $5 RETURNING *`,
      [id, number, channel, ctx.userId, q.id],
    );
    await this.builder.copyLines(m, q.id, id);
    const [order] = await this.present(m, [row]);
    await this.emitPlaced(m, ctx.tenantId, order);
    return order;
  }

  async place(ctx: RequestContext, input: PlaceOrderInput): Promise<Order> {
    const contactIdIn = requireId(input.contactId, 'input.contactId', 'contact id');
    const dealId = optionalId(input.dealId, 'input.dealId', 'deal id');
    const currency = currencyOf(input.currency, 'input.currency');
    const priceListId = optionalId(input.priceListId, 'input.priceListId', 'price list id');
    const externalRef = optionalText(input.externalRef, 'input.externalRef', 200);
    const ownerId = optionalText(input.ownerId, 'input.ownerId', 200) ?? ctx.userId;
    if (!Object.values(SalesChannel).includes(input.channel)) throw badUserInput('input.channel: unknown channel', { field: 'input.channel' });
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      if (externalRef) {
        // A shop or till retrying the same order gets the one already placed. Retries may arrive
        // at once: serialise them on the reference, so the later ones see the first one's commit.
        await m.query(`SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2 || ':' || $3))`, [ctx.tenantId, input.channel, externalRef]);
        const [existing] = await m.query(`SELECT * FROM orders WHERE tenant_id = $1 AND channel = $2 AND external_ref = $3`, [ctx.tenantId, input.channel, externalRef]);
        if (existing) return (await this.present(m, [existing]))[0];
      }
      const contact = await this.replica.get(m, ctx.tenantId, contactIdIn);
      if (!contact) throw badUserInput(`input.contactId: contact ${contactIdIn} does not exist`, { field: 'input.contactId' });
      if (contact.erasedAt) throw badUserInput(`input.contactId: contact ${contactIdIn} was erased`, { field: 'input.contactId' });
      if (dealId) {
        const [deal] = await m.query(`SELECT contact_id FROM deals WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, dealId]);
        if (!deal) throw badUserInput(`input.dealId: deal ${dealId} does not exist`, { field: 'input.dealId' });
        if (deal.contact_id !== contact.contactId) throw badUserInput(`input.dealId: deal ${dealId} belongs to another contact`, { field: 'input.dealId' });
      }
      const doc = await this.builder.build(m, ctx.tenantId, { currency, priceListId, pricesIncludeTax: !!input.pricesIncludeTax, lines: input.lines });
      const id = randomUUID();
      const number = await nextNumber(m, ctx.tenantId, 'order');
      const [row] = await m.query(
        `INSERT INTO orders (id, tenant_id, number, contact_id, deal_id, owner_id, channel, external_ref, billing_name, billing_email,
                             currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING *`,
        [id, ctx.tenantId, number, contact.contactId, dealId, ownerId, input.channel, externalRef, contact.displayName, contact.primaryEmail, ...this.builder.totalsParams(doc), ctx.userId],
      );
      await this.builder.insertLines(m, ctx.tenantId, 'order_lines', 'order_id', id, doc);
      let [order] = await this.present(m, [row]);
      await this.emitPlaced(m, ctx.tenantId, order);
      if (input.paid) order = await this.pay(m, ctx, order);
      return order;
    });
  }

  private async lock(m: EntityManager, tenantId: string, rawId: string): Promise<Order> {
    const id = requireId(rawId, 'id', 'order id');
    const [row] = await m.query(`SELECT * FROM orders WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
    if (!row) throw notFound(`order ${id} does not exist`);
    return (await this.present(m, [row]))[0];
  }

  private async pay(m: EntityManager, ctx: RequestContext, o: Order): Promise<Order> {
    const [row] = await updated(m,`UPDATE orders SET status = 'paid', paid_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, [ctx.tenantId, o.id]);
    const [order] = await this.present(m, [row]);
    await this.commissions.onOrderPaid(m, ctx.tenantId, order);
    await this.events.emit(m, ctx.tenantId, [
      {
        type: OrderPaidV1.type,
        subject: o.id,
        data: { orderId: o.id, number: o.number, contactId: o.contactId, ownerId: o.ownerId, channel: o.channel, total: { ...order.total }, paidAt: new Date(row.paid_at).toISOString() },
      },
    ]);
    return order;
  }

  async markPaid(ctx: RequestContext, rawId: string): Promise<Order> {
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const o = await this.lock(m, ctx.tenantId, rawId);
      if (o.status !== OrderStatus.PLACED) throw conflict(`order ${o.number} is ${o.status}; only a placed order can be paid`, { orderId: o.id, status: o.status });
      return this.pay(m, ctx, o);
    });
  }

  async cancel(ctx: RequestContext, rawId: string): Promise<Order> {
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const o = await this.lock(m, ctx.tenantId, rawId);
      if (o.status !== OrderStatus.PLACED) throw conflict(`order ${o.number} is ${o.status}; only an unpaid order can be cancelled`, { orderId: o.id, status: o.status });
      const [row] = await updated(m,`UPDATE orders SET status = 'cancelled', cancelled_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, [ctx.tenantId, o.id]);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: OrderCancelledV1.type,
          subject: o.id,
          data: { orderId: o.id, number: o.number, contactId: o.contactId, channel: o.channel, total: { ...o.total }, cancelledAt: new Date(row.cancelled_at).toISOString(), cancelledBy: ctx.userId },
        },
      ]);
      return (await this.present(m, [row]))[0];
    });
  }

  async getMany(tenantId: string, ids: readonly string[]): Promise<(Order | null)[]> {
    const valid = ids.filter(isUuid).map((i) => i.toLowerCase());
    const orders = valid.length ? await withTenant(this.ds, tenantId, async (m) => this.present(m, await m.query(`SELECT * FROM orders WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, valid]))) : [];
    return ids.map((id) => orders.find((o) => o.id === id.toLowerCase()) ?? null);
  }

  async list(tenantId: string, filter: OrderFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Order>> {
    const page = keysetPage(ORDER_ORDER, args);
    const contactId = optionalId(filter.contactId ?? undefined, 'filter.contactId', 'contact id');
    const params: unknown[] = [tenantId, contactId, filter.channel ?? null, filter.status ?? null];
    const where = `tenant_id = $1 AND ($2::uuid IS NULL OR contact_id = $2) AND ($3::text IS NULL OR channel = $3) AND ($4::text IS NULL OR status = $4)`;
    const countParams = [...params];
    const p = (v: unknown) => `$${params.push(v)}`;
    const after = page.afterSql(p);
    return withTenant(this.ds, tenantId, async (m) => {
      const rows: KeysetRow[] = await m.query(`SELECT *, ${page.sortKey} AS sort_key FROM orders WHERE ${where}${after ? ` AND ${after}` : ''} ORDER BY ${page.orderBy} LIMIT ${p(page.limit)}`, params);
      const n = withTotal ? (await m.query(`SELECT count(*)::int AS n FROM orders WHERE ${where}`, countParams))[0].n : null;
      return page.connection(rows, (r) => this.present(m, r), n);
    });
  }

  /** One page of orders of each of many contacts in one query (Contact.orders, batched); see DealsService.byContacts. */
  async byContacts(tenantId: string, contactIds: readonly string[], args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Order>[]> {
    const page = keysetPage(ORDER_ORDER, args);
    const ids = [...new Set(contactIds)];
    const params: unknown[] = [tenantId, ids];
    const p = (v: unknown) => `$${params.push(v)}`;
    const sql = page.perParentSql({ columns: '*', from: 'orders', where: 'tenant_id = $1 AND contact_id = ANY($2::uuid[])', partitionBy: 'contact_id' }, p);
    const { rows, nodes, counts } = await withTenant(this.ds, tenantId, async (m) => {
      const rows: (KeysetRow & { contact_id: string; page_row: string })[] = await m.query(sql, params);
      // Lines of every visible order at once (the look-ahead row of each contact is not presented).
      const nodes = await this.present(m, rows.filter((r) => Number(r.page_row) <= page.first));
      const counts: { contact_id: string; n: number }[] = withTotal
        ? await m.query(`SELECT contact_id, count(*)::int AS n FROM orders WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) GROUP BY contact_id`, [tenantId, ids])
        : [];
      return { rows, nodes: new Map(nodes.map((o) => [o.id, o])), counts };
    });
    return Promise.all(
      contactIds.map((c) =>
        page.connection(
          rows.filter((r) => r.contact_id === c),
          (r) => r.map((o) => nodes.get(o.id)!),
          withTotal ? (counts.find((k) => k.contact_id === c)?.n ?? 0) : null,
        ),
      ),
    );
  }

  /**
   * Lifetime value of many contacts in one query, per currency (no conversion): the totals of
   * their orders that were not cancelled, plus won deals that have no such order (a deal closed
   * without an order in the CRM is still revenue; a deal with an order is counted once, by its order).
   */
  async lifetimeValues(tenantId: string, contactIds: readonly string[]): Promise<Money[][]> {
    const rows: { contact_id: string; currency: string; total: string }[] = await withTenant(this.ds, tenantId, (m) =>
      m.query(
        `SELECT contact_id, currency, sum(v)::text AS total FROM (
           SELECT contact_id, currency, total AS v FROM orders WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND status <> 'cancelled'
           UNION ALL
           SELECT d.contact_id, d.currency, d.amount FROM deals d WHERE d.tenant_id = $1 AND d.contact_id = ANY($2::uuid[]) AND d.status = 'won'
             AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = $1 AND o.deal_id = d.id AND o.status <> 'cancelled')
         ) x GROUP BY contact_id, currency ORDER BY currency`,
        [tenantId, [...new Set(contactIds)]],
      ),
    );
    return contactIds.map((c) =>
      rows.filter((r) => r.contact_id === c).map((r) => {
        const cur = r.currency.trim();
        return money(fromDb(r.total, cur), cur);
      }),
    );
  }
}

/** Orders newest first (Query.orders and Contact.orders). */
const ORDER_ORDER: KeysetOrder = { name: 'orders', key: 'placed_at', dir: 'DESC', timestamp: true };
