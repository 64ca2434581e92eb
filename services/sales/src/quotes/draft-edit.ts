import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, type Tx } from '@crm/platform';
import { optionalDate, optionalIdField, optionalTextField } from '@crm/shared-kernel';
import { DocumentBuilder, documentLinesSchema, parseLines } from './document-builder';
import { DocumentLineRepository } from './document-lines.repository';
import { QuoteRepository, type QuoteRow } from './quote.repository';
import type { UpdateQuoteInput } from './quote.types';

// undefined: unchanged; lines, when given, replace every line (null is refused: a quote has lines).
const schema = z
  .object({
    lines: documentLinesSchema.optional(),
    validUntil: z.string().nullable().optional(),
    notes: optionalTextField(10000).optional(),
    priceListId: optionalIdField('price list id').optional(),
    pricesIncludeTax: z.boolean().nullish(),
  })
  .refine((i) => Object.values(i).some((v) => v !== undefined), { error: 'nothing to change', path: ['lines'] });

export type DraftEdit = z.output<typeof schema> & { validUntilDate?: string | null };

/** Editing a draft quote in place (updateQuote, and reviseQuote on the new version): lines, discounts, validity, notes. */
@Injectable()
export class DraftEditor {
  constructor(
    private readonly builder: DocumentBuilder,
    private readonly lines: DocumentLineRepository,
    private readonly quotes: QuoteRepository,
  ) {}

  /** Checked before any transaction: every bad field at once, named under `input`. */
  parse(raw: UpdateQuoteInput): DraftEdit {
    const v = parseInput(schema, raw, 'input');
    if (v.lines === undefined && (v.priceListId || v.pricesIncludeTax != null)) {
      throw invalidField('input.lines', 'give the lines to price them from another price list or with pricesIncludeTax');
    }
    return { ...v, validUntilDate: v.validUntil === undefined ? undefined : optionalDate(v.validUntil, 'input.validUntil') };
  }

  /** Applies the edit to a locked draft; returns the row and the names of the changed fields. */
  async apply(tx: Tx, q: QuoteRow, e: DraftEdit): Promise<{ row: QuoteRow; changed: string[] }> {
    const changed: string[] = [];
    let doc = null;
    if (e.lines !== undefined) {
      const parsed = parseLines(e.lines, q.currency);
      const pricesIncludeTax = e.pricesIncludeTax ?? q.prices_include_tax;
      doc = await this.builder.build(tx, { currency: q.currency, priceListId: e.priceListId ?? q.price_list_id, pricesIncludeTax, lines: parsed });
      await this.lines.deleteOf(tx, 'quote', q.id);
      await this.lines.insert(tx, 'quote', q.id, doc);
      changed.push('lines');
      if (doc.priceListId !== q.price_list_id) changed.push('priceListId');
      if (pricesIncludeTax !== q.prices_include_tax) changed.push('pricesIncludeTax');
    }
    const validUntil = e.validUntilDate !== undefined && e.validUntilDate !== q.valid_until ? e.validUntilDate : undefined;
    const notes = e.notes !== undefined && e.notes !== q.notes ? e.notes : undefined;
    if (validUntil !== undefined) changed.push('validUntil');
    if (notes !== undefined) changed.push('notes');
    if (!changed.length) return { row: q, changed };
    return { row: await this.quotes.updateDraft(tx, q.id, { validUntil, notes }, doc), changed };
  }
}
