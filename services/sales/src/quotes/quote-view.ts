import { DocumentFormat, issuerLines, type ResolvedIssuer } from '@crm/documents';

/** One line of a quote as stored (all amounts exact decimal strings). */
export interface QuoteFactsLine {
  no: number;
  description: string;
  sku: string | null;
  quantity: string;
  unitPrice: string;
  discountPercent: string | null;
  discount: string;
  taxRate: string;
  net: string;
  tax: string;
  gross: string;
}

/** What a quote document is made of, as stored: exact decimal strings, the creation instant. */
export interface QuoteFacts {
  number: string;
  createdAt: Date;
  /** YYYY-MM-DD */
  validUntil: string | null;
  notes: string | null;
  currency: string;
  pricesIncludeTax: boolean;
  customer: { name: string; email: string | null };
  lines: QuoteFactsLine[];
  subtotal: string;
  taxes: { rate: string; net: string; tax: string }[];
  discountTotal: string;
  taxTotal: string;
  total: string;
}

export interface QuoteViewLine extends QuoteFactsLine {
  /** The figures in the issuer's locale (amounts without the currency: the table's header says it) */
  formatted: { quantity: string; unitPrice: string; discountPercent: string | null; discount: string; taxRate: string; net: string; tax: string; gross: string };
}

/**
 * The data a quote document is rendered from, the HTML template's placeholders and the PDF alike: the
 * stored figures (unchanged, so existing templates keep working) and, under `formatted`, the same
 * figures written in the issuer's locale (dates in its time zone, amounts with the quote's currency).
 */
export interface QuoteView extends Omit<QuoteFacts, 'lines' | 'createdAt'> {
  /** YYYY-MM-DD of creation in the issuer's time zone */
  date: string;
  lines: QuoteViewLine[];
  issuer: {
    legalName: string;
    /** Address lines and the VAT ID, as the "From" block prints them under the legal name */
    lines: string[];
    /** Set while the tenant has no profile: the block shows the tenant id and this note */
    note: string | null;
    /** data: URI of the logo, for HTML */
    logo: string | null;
    locale: string;
  };
  formatted: {
    date: string;
    validUntil: string | null;
    subtotal: string;
    discountTotal: string;
    taxTotal: string;
    total: string;
    taxes: { rate: string; net: string; tax: string }[];
  };
}

export function quoteView(q: QuoteFacts, issuer: ResolvedIssuer): QuoteView {
  const f = new DocumentFormat(issuer.locale, issuer.timeZone);
  const money = (v: string) => f.amount(v, q.currency);
  const [legalName, ...rest] = issuerLines(issuer);
  const { createdAt, ...facts } = q;
  return {
    ...facts,
    date: f.isoDate(createdAt),
    lines: q.lines.map((l) => ({
      ...l,
      formatted: {
        quantity: f.number(l.quantity), unitPrice: f.number(l.unitPrice), discountPercent: l.discountPercent == null ? null : f.percent(l.discountPercent),
        discount: f.number(l.discount), taxRate: f.percent(l.taxRate), net: f.number(l.net), tax: f.number(l.tax), gross: f.number(l.gross),
      },
    })),
    issuer: {
      legalName,
      lines: issuer.profileMissing ? [] : rest,
      note: issuer.profileMissing ? rest.join(' ') : null,
      logo: issuer.logo ? `data:${issuer.logo.contentType};base64,${issuer.logo.data.toString('base64')}` : null,
      locale: issuer.locale,
    },
    formatted: {
      date: f.date(createdAt),
      validUntil: q.validUntil ? f.date(q.validUntil) : null,
      subtotal: money(q.subtotal), discountTotal: money(q.discountTotal), taxTotal: money(q.taxTotal), total: money(q.total),
      taxes: q.taxes.map((t) => ({ rate: f.percent(t.rate), net: money(t.net), tax: money(t.tax) })),
    },
  };
}
