/**
 * CSV injection (OWASP "CSV Injection"): a cell that starts with = + - @ tab or carriage return is
 * run as a formula by spreadsheet programs. Every CSV this platform writes passes its cells through
 * neutraliseCsvCell (a leading apostrophe makes the spreadsheet show the text as text), and every
 * CSV it reads passes them through restoreCsvCell, so an export → import round trip is faithful.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCsvCell<T>(value: T): T | string {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

export function restoreCsvCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}
