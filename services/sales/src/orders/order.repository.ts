import { Injectable } from '@nestjs/common';
import { SqlParams, type KeysetPage, type KeysetRow, type Tx } from '@crm/platform';
import { TOTALS_COLUMNS, totalsValues, type BuiltDocument, type DocumentTotalsRow } from '../quotes/document-builder';
import type { OrderStatus, SalesChannel } from '../quotes/quote.types';

export interface OrderRow extends DocumentTotalsRow {
  [column: string]: unknown;
  id: string;
  number: string;
  contact_id: string;
  deal_id: string | null;
  quote_id: string | null;
  owner_id: string;
  channel: SalesChannel;
  status: OrderStatus;
  external_ref: string | null;
  placed_at: Date;
  paid_at: Date | null;
  cancelled_at: Date | null;
}

const ORDER_COLUMNS = `id, number, contact_id, deal_id, quote_id, owner_id, channel, status, external_ref, placed_at, paid_at, cancelled_at, ${TOTALS_COLUMNS}`;

export interface OrderFilterValues {
  contactId: string | null;
  channel: SalesChannel | null;
  status: OrderStatus | null;
}

@Injectable()
export class OrderRepository {
  insert(
    tx: Tx,
    o: { id: string; number: string; contactId: string; dealId: string | null; ownerId: string; channel: SalesChannel; externalRef: string | null; billingName: string | null; billingEmail: string | null; createdBy: string },
    doc: BuiltDocument,
  ): Promise<OrderRow> {
    return tx.one<OrderRow>(
      `INSERT INTO orders (id, tenant_id, number, contact_id, deal_id, owner_id, channel, external_ref, billing_name, billing_email,
                           currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING ${ORDER_COLUMNS}`,
      [o.id, tx.tenantId, o.number, o.contactId, o.dealId, o.ownerId, o.channel, o.externalRef, o.billingName, o.billingEmail, ...totalsValues(doc), o.createdBy],
    );
  }

  /** An accepted quote's order: same contact, deal, owner, recipient and totals as the quote. */
  insertFromQuote(tx: Tx, o: { id: string; number: string; quoteId: string; channel: SalesChannel; createdBy: string }): Promise<OrderRow> {
    return tx.one<OrderRow>(
      `INSERT INTO orders (id, tenant_id, number, contact_id, deal_id, quote_id, owner_id, channel, billing_name, billing_email,
                           currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, created_by)
       SELECT $1, tenant_id, $2, contact_id, deal_id, id, owner_id, $3, recipient_name, recipient_email,
              currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, $4
       FROM quotes WHERE tenant_id = $5 AND id = $6 RETURNING ${ORDER_COLUMNS}`,
      [o.id, o.number, o.channel, o.createdBy, tx.tenantId, o.quoteId],
    );
  }

  /**
   * A shop or till retrying the same order gets the one already placed. Retries may arrive at
   * once: serialise them on the reference, so the later ones see the first one's commit.
   */
  async lockExternalRef(tx: Tx, channel: SalesChannel, externalRef: string): Promise<OrderRow | undefined> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2 || ':' || $3))`, [tx.tenantId, channel, externalRef]);
    return tx.maybeOne<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE tenant_id = $1 AND channel = $2 AND external_ref = $3`, [tx.tenantId, channel, externalRef]);
  }

  lock(tx: Tx, id: string): Promise<OrderRow | undefined> {
    return tx.maybeOne<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
  }

  markPaid(tx: Tx, id: string): Promise<OrderRow> {
    return tx.one<OrderRow>(`UPDATE orders SET status = 'paid', paid_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${ORDER_COLUMNS}`, [tx.tenantId, id]);
  }

  markCancelled(tx: Tx, id: string): Promise<OrderRow> {
    return tx.one<OrderRow>(`UPDATE orders SET status = 'cancelled', cancelled_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${ORDER_COLUMNS}`, [tx.tenantId, id]);
  }

  byIds(tx: Tx, ids: readonly string[]): Promise<OrderRow[]> {
    return tx.prepared<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, ids]);
  }

  /** One keyset page of the filtered orders, and their count when asked for. */
  async page(tx: Tx, filter: OrderFilterValues, page: KeysetPage, withTotal: boolean): Promise<{ rows: (OrderRow & { sort_key: string })[]; total: number | null }> {
    const q = new SqlParams(tx.tenantId);
    const where = q.where([
      'tenant_id = $1',
      filter.contactId && `contact_id = ${q.p(filter.contactId)}`,
      filter.channel && `channel = ${q.p(filter.channel)}`,
      filter.status && `status = ${q.p(filter.status)}`,
    ]);
    const countParams = q.snapshot();
    const after = page.afterSql(q.p);
    const rows = await tx.query<OrderRow & { sort_key: string }>(
      `SELECT ${ORDER_COLUMNS}, ${page.sortKey} AS sort_key FROM orders WHERE ${where}${after ? ` AND ${after}` : ''} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const total = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE ${where}`, countParams)).n : null;
    return { rows, total };
  }

  /** The same page for many contacts in one query (Contact.orders, batched), and the count per contact when asked for; result[i] belongs to contactIds[i]. */
  pageByContacts<N>(tx: Tx, contactIds: readonly string[], page: KeysetPage, present: (rows: OrderRow[]) => N[], withTotal: boolean) {
    return page.perParent<OrderRow & KeysetRow, N>(
      (sql, values) => tx.prepared(sql, values),
      { columns: ORDER_COLUMNS, from: 'orders', where: 'tenant_id = $1 AND contact_id = ANY($2::uuid[])', partitionBy: 'contact_id' },
      new SqlParams(tx.tenantId, contactIds),
      contactIds,
      present,
      withTotal,
    );
  }

  /**
   * Revenue of many contacts per currency (no conversion): their orders that were not cancelled,
   * plus won deals that have no such order (a deal closed without an order in the CRM is still
   * revenue; a deal with an order is counted once, by its order).
   *
   * The won deals are looked up contact by contact (LATERAL, fenced by OFFSET 0 so it is not
   * flattened into a join): without planner statistics (a new schema after an import) the planner
   * read `contact_id = ANY(…) AND status = 'won'` from the owner index (tenant, owner, status) —
   * every won deal of the tenant, 40 ms at 100k deals — instead of the contacts' own rows.
   */
  lifetimeValues(tx: Tx, contactIds: readonly string[]): Promise<{ contact_id: string; currency: string; total: string }[]> {
    return tx.prepared<{ contact_id: string; currency: string; total: string }>(
      `SELECT contact_id, btrim(currency) AS currency, sum(v)::text AS total FROM (
         SELECT contact_id, currency, total AS v FROM orders WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND status <> 'cancelled'
         UNION ALL
         SELECT d.contact_id, d.currency, d.amount FROM unnest($2::uuid[]) AS k(id) CROSS JOIN LATERAL (
           SELECT d.id, d.contact_id, d.currency, d.amount FROM deals d WHERE d.tenant_id = $1 AND d.contact_id = k.id AND d.status = 'won' OFFSET 0) d
         WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = $1 AND o.deal_id = d.id AND o.status <> 'cancelled')
       ) x GROUP BY contact_id, currency ORDER BY currency`,
      [tx.tenantId, contactIds],
    );
  }
}
