import { Injectable } from '@nestjs/common';
import { SqlParams, type KeysetPage, type Tx } from '@crm/platform';
import { TOTALS_COLUMNS, totalsValues, type BuiltDocument, type DocumentTotalsRow } from './document-builder';
import type { QuoteStatus } from './quote.types';

export interface QuoteRow extends DocumentTotalsRow {
  [column: string]: unknown;
  id: string;
  number: string;
  contact_id: string;
  deal_id: string | null;
  owner_id: string;
  price_list_id: string | null;
  status: QuoteStatus;
  /** YYYY-MM-DD */
  valid_until: string | null;
  notes: string | null;
  recipient_name: string | null;
  recipient_email: string | null;
  created_at: Date;
  sent_at: Date | null;
  accepted_at: Date | null;
  declined_at: Date | null;
  version: number;
  /** The first version's id (null on the first version itself). */
  root_id: string | null;
  supersedes_id: string | null;
  superseded_by_id: string | null;
  superseded_at: Date | null;
}

/** A quote locked for a state change: whether it expired is Postgres' current_date, not the app server's clock. */
export interface LockedQuoteRow extends QuoteRow {
  expired: boolean;
}

const QUOTE_COLUMNS = `id, number, contact_id, deal_id, owner_id, price_list_id, status, valid_until::text AS valid_until, notes, recipient_name, recipient_email,
  created_at, sent_at, accepted_at, declined_at, version, root_id, supersedes_id, superseded_by_id, superseded_at, ${TOTALS_COLUMNS}`;

export interface QuoteFilterValues {
  contactId: string | null;
  dealId: string | null;
  status: QuoteStatus | null;
}

@Injectable()
export class QuoteRepository {
  insert(
    tx: Tx,
    q: { id: string; number: string; contactId: string; dealId: string | null; ownerId: string; validUntil: string | null; notes: string | null; recipientName: string | null; recipientEmail: string | null; createdBy: string },
    doc: BuiltDocument,
    revision: { version: number; rootId: string; supersedesId: string } | null = null,
  ): Promise<QuoteRow> {
    return tx.one<QuoteRow>(
      `INSERT INTO quotes (id, tenant_id, number, contact_id, deal_id, owner_id, price_list_id, valid_until, notes, recipient_name, recipient_email,
                           currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, created_by, version, root_id, supersedes_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING ${QUOTE_COLUMNS}`,
      [
        q.id, tx.tenantId, q.number, q.contactId, q.dealId, q.ownerId, doc.priceListId, q.validUntil, q.notes, q.recipientName, q.recipientEmail, ...totalsValues(doc), q.createdBy,
        revision?.version ?? 1, revision?.rootId ?? null, revision?.supersedesId ?? null,
      ],
    );
  }

  /** A draft's header (validity, notes) and, when its lines were rebuilt, its price list and totals. */
  updateDraft(tx: Tx, id: string, changes: { validUntil?: string | null; notes?: string | null }, doc: BuiltDocument | null): Promise<QuoteRow> {
    const q = new SqlParams(tx.tenantId, id);
    const sets = [
      q.set({ valid_until: changes.validUntil, notes: changes.notes }),
      doc &&
        (() => {
          const [currency, pit, subtotal, discount, tax, total, taxes] = totalsValues(doc);
          return q.set({ price_list_id: doc.priceListId, currency, prices_include_tax: pit, subtotal, discount_total: discount, tax_total: tax, total, taxes });
        })(),
      'updated_at = now()',
    ].filter(Boolean);
    return tx.one<QuoteRow>(`UPDATE quotes SET ${sets.join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING ${QUOTE_COLUMNS}`, q.values);
  }

  /** A new draft version of a quote: its header and totals copied (the lines are copied separately). */
  insertRevisionOf(tx: Tx, oldId: string, r: { id: string; number: string; version: number; rootId: string; createdBy: string }): Promise<QuoteRow> {
    return tx.one<QuoteRow>(
      `INSERT INTO quotes (id, tenant_id, number, contact_id, deal_id, owner_id, price_list_id, valid_until, notes, recipient_name, recipient_email,
                           currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, created_by, version, root_id, supersedes_id)
       SELECT $3, tenant_id, $4, contact_id, deal_id, owner_id, price_list_id, valid_until, notes, recipient_name, recipient_email,
              currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes, $5, $6, $7, id
       FROM quotes WHERE tenant_id = $1 AND id = $2
       RETURNING ${QUOTE_COLUMNS}`,
      [tx.tenantId, oldId, r.id, r.number, r.createdBy, r.version, r.rootId],
    );
  }

  /** The old version gives way to its revision. */
  async markSuperseded(tx: Tx, id: string, byId: string): Promise<Date> {
    return (
      await tx.one<{ superseded_at: Date }>(
        `UPDATE quotes SET status = 'superseded', superseded_by_id = $3, superseded_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING superseded_at`,
        [tx.tenantId, id, byId],
      )
    ).superseded_at;
  }

  /** Every version of the quotes of these roots (a root is the first version's id), oldest first. */
  versionsOf(tx: Tx, rootIds: readonly string[]): Promise<QuoteRow[]> {
    return tx.query<QuoteRow>(
      `SELECT ${QUOTE_COLUMNS} FROM quotes WHERE tenant_id = $1 AND (id = ANY($2::uuid[]) OR root_id = ANY($2::uuid[])) ORDER BY version`,
      [tx.tenantId, [...new Set(rootIds)]],
    );
  }

  lock(tx: Tx, id: string): Promise<LockedQuoteRow | undefined> {
    return tx.maybeOne<LockedQuoteRow>(
      `SELECT ${QUOTE_COLUMNS}, (valid_until IS NOT NULL AND valid_until < current_date) AS expired FROM quotes WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tx.tenantId, id],
    );
  }

  /** Sent: the recipient is taken again from the contact as it is now (a merge survivor, a new name). */
  markSent(tx: Tx, id: string, recipient: { contactId: string; name: string | null; email: string | null }): Promise<QuoteRow> {
    return tx.one<QuoteRow>(
      `UPDATE quotes SET status = 'sent', sent_at = now(), contact_id = $3, recipient_name = $4, recipient_email = $5 WHERE tenant_id = $1 AND id = $2 RETURNING ${QUOTE_COLUMNS}`,
      [tx.tenantId, id, recipient.contactId, recipient.name, recipient.email],
    );
  }

  async markAccepted(tx: Tx, id: string): Promise<Date> {
    return (await tx.one<{ accepted_at: Date }>(`UPDATE quotes SET status = 'accepted', accepted_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING accepted_at`, [tx.tenantId, id])).accepted_at;
  }

  markDeclined(tx: Tx, id: string): Promise<QuoteRow> {
    return tx.one<QuoteRow>(`UPDATE quotes SET status = 'declined', declined_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${QUOTE_COLUMNS}`, [tx.tenantId, id]);
  }

  byId(tx: Tx, id: string): Promise<QuoteRow | undefined> {
    return tx.maybeOne<QuoteRow>(`SELECT ${QUOTE_COLUMNS} FROM quotes WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  byIds(tx: Tx, ids: readonly string[]): Promise<QuoteRow[]> {
    return tx.prepared<QuoteRow>(`SELECT ${QUOTE_COLUMNS} FROM quotes WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, ids]);
  }

  /** One keyset page of the filtered quotes, and their count when asked for. */
  async page(tx: Tx, filter: QuoteFilterValues, page: KeysetPage, withTotal: boolean): Promise<{ rows: (QuoteRow & { sort_key: string })[]; total: number | null }> {
    const q = new SqlParams(tx.tenantId);
    const where = q.where([
      'tenant_id = $1',
      filter.contactId && `contact_id = ${q.p(filter.contactId)}`,
      filter.dealId && `deal_id = ${q.p(filter.dealId)}`,
      filter.status && `status = ${q.p(filter.status)}`,
    ]);
    const countParams = q.snapshot();
    const after = page.afterSql(q.p);
    const rows = await tx.query<QuoteRow & { sort_key: string }>(
      `SELECT ${QUOTE_COLUMNS}, ${page.sortKey} AS sort_key FROM quotes WHERE ${where}${after ? ` AND ${after}` : ''} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const total = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM quotes WHERE ${where}`, countParams)).n : null;
    return { rows, total };
  }

  async template(tx: Tx): Promise<string | null> {
    return (await tx.maybeOne<{ html: string }>(`SELECT html FROM quote_templates WHERE tenant_id = $1`, [tx.tenantId]))?.html ?? null;
  }

  async saveTemplate(tx: Tx, html: string, updatedBy: string): Promise<Date> {
    const row = await tx.one<{ updated_at: Date }>(
      `INSERT INTO quote_templates (tenant_id, html, updated_by) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET html = EXCLUDED.html, updated_by = EXCLUDED.updated_by, updated_at = now() RETURNING updated_at`,
      [tx.tenantId, html, updatedBy],
    );
    return row.updated_at;
  }
}

/** The deal a quote or order names (another aggregate of this module, read for the link rules only). */
export interface LinkedDealRow {
  [column: string]: unknown;
  contact_id: string;
  owner_id: string;
}

export function linkedDeal(tx: Tx, dealId: string): Promise<LinkedDealRow | undefined> {
  return tx.maybeOne<LinkedDealRow>(`SELECT contact_id, owner_id FROM deals WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, dealId]);
}
