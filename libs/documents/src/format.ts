/**
 * Dates and amounts as a document prints them, per the issuer's locale and time zone (Intl). Amounts
 * arrive as the exact decimal strings stored for a document and are formatted from the string (Intl
 * formats a decimal string without turning it into a binary float), with the stored number of decimals.
 */
export class DocumentFormat {
  constructor(
    readonly locale: string,
    readonly timeZone: string,
  ) {}

  private decimals(value: string) {
    const dot = value.indexOf('.');
    return dot < 0 ? 0 : value.length - dot - 1;
  }

  /** 1234.5 EUR → "1.234,50 €" (de-DE), "1 234,50 €" (fr-FR), "€1,234.50" (en-US); the stored decimals are kept. */
  amount(value: string, currency: string): string {
    const digits = this.decimals(value);
    const f = new Intl.NumberFormat(this.locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    return f.format(value as unknown as number);
  }

  /** A decimal string (a quantity) with the locale's separators, every stored digit kept. */
  number(value: string): string {
    const digits = this.decimals(value);
    return new Intl.NumberFormat(this.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value as unknown as number);
  }

  /** A percentage given in percent ("19" → "19 %" in de-DE, "19%" in en-US). */
  percent(value: string): string {
    const digits = this.decimals(value);
    return new Intl.NumberFormat(this.locale, { style: 'unit', unit: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value as unknown as number);
  }

  /** An instant as the calendar date it is in the issuer's time zone; a date-only YYYY-MM-DD as that date. */
  date(value: Date | string): string {
    const dateOnly = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
    const instant = dateOnly ? new Date(`${value}T00:00:00Z`) : new Date(value);
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'long', timeZone: dateOnly ? 'UTC' : this.timeZone }).format(instant);
  }

  /** The date (YYYY-MM-DD) an instant falls on in the issuer's time zone. */
  isoDate(value: Date): string {
    return new Intl.DateTimeFormat('en-CA', { timeZone: this.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(value);
  }
}
