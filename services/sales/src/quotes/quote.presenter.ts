import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { documentFieldsOf } from './document-builder';
import { DocumentLineRepository } from './document-lines.repository';
import type { QuoteRow } from './quote.repository';
import type { Listed, Quote } from './quote.types';

/** Quote rows → GraphQL quotes: with their lines (use cases: events and PDFs need them) or without (reads: `Quote.lines` loads them when selected). */
@Injectable()
export class QuotePresenter {
  constructor(private readonly lines: DocumentLineRepository) {}

  /** With the lines of all of them, read in one query. */
  async present(tx: Tx, rows: readonly QuoteRow[]): Promise<Quote[]> {
    const lines = await this.lines.load(tx, 'quote', rows);
    return this.listed(rows).map((q) => ({ ...q, lines: lines.get(q.id)! }));
  }

  async one(tx: Tx, row: QuoteRow): Promise<Quote> {
    return (await this.present(tx, [row]))[0];
  }

  listed(rows: readonly QuoteRow[]): Listed<Quote>[] {
    return rows.map((r) => ({
      id: r.id, number: r.number, contactId: r.contact_id, dealId: r.deal_id, ownerId: r.owner_id, status: r.status, validUntil: r.valid_until, notes: r.notes,
      createdAt: r.created_at, sentAt: r.sent_at, acceptedAt: r.accepted_at, ...documentFieldsOf(r),
      version: r.version, supersededAt: r.superseded_at, rootId: r.root_id ?? r.id, supersedesId: r.supersedes_id, supersededById: r.superseded_by_id,
    }));
  }
}
