import type { Readable } from 'node:stream';
import iconv from 'iconv-lite';

/**
 * Reading CSV files as people actually have them: exported by a spreadsheet in `;`-separated
 * Windows-1252, edited by hand, with the odd stray quote or extra column. A bad record is
 * reported with its line number and skipped; it never aborts the file and never yields a
 * record with columns dropped or merged.
 */

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** One record of the file: its fields, or why it was skipped. `line` is the first physical line (1 = header). */
export type CsvRecord = { line: number; fields: string[]; error?: undefined } | { line: number; fields?: undefined; error: string };

/** How far a quoted value may span lines before an unclosed quote is taken for a stray one. */
const MAX_LINES_PER_RECORD = 50;
const SAMPLE_BYTES = 64 * 1024;
const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * The encoding of a file from its first bytes: a byte order mark, else UTF-8 when the sample is
 * valid UTF-8, else Windows-1252 (what Excel writes on European Windows; a superset of Latin-1 for
 * printable text). A strict UTF-8 check is far more reliable on short files than statistical guessing.
 */
export function detectCsvEncoding(sample: Buffer): CsvEncoding {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
  // The sample may end inside a multi-byte character: drop up to 3 trailing continuation bytes.
  let end = sample.length;
  for (let k = 0; k < 3 && end > 0 && (sample[end - 1] & 0xc0) === 0x80; k++) end--;
  if (end > 0 && sample[end - 1] >= 0xc0) end--;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/** Decodes a byte stream to text chunks, detecting the encoding from its first 64 KB unless given. */
export async function* decodeCsvStream(input: AsyncIterable<Buffer | string>, encoding?: string): AsyncGenerator<string> {
  const head: Buffer[] = [];
  let headBytes = 0;
  const it = input[Symbol.asyncIterator]();
  let done = false;
  while (headBytes < SAMPLE_BYTES) {
    const n = await it.next();
    if (n.done) {
      done = true;
      break;
    }
    const chunk = typeof n.value === 'string' ? Buffer.from(n.value, 'utf8') : n.value;
    head.push(chunk);
    headBytes += chunk.length;
  }
  const sample = Buffer.concat(head);
  const enc = encoding ?? detectCsvEncoding(sample);
  if (!iconv.encodingExists(enc)) throw new Error(`unknown encoding "${enc}"`);
  const decoder = iconv.getDecoder(enc, { stripBOM: true });
  const first = decoder.write(sample);
  if (first) yield first;
  if (!done) {
    for (let n = await it.next(); !n.done; n = await it.next()) {
      const text = decoder.write(typeof n.value === 'string' ? Buffer.from(n.value, 'utf8') : n.value);
      if (text) yield text;
    }
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/** Physical lines of a text stream with their 1-based numbers (\n, \r\n and lone \r end a line). */
async function* physicalLines(text: AsyncIterable<string>): AsyncGenerator<string> {
  let carry = '';
  let pendingCr = false;
  for await (const chunk of text) {
    let s = chunk;
    if (pendingCr && s.startsWith('\n')) s = s.slice(1);
    const whole = carry + s;
    // A chunk ending in \r may be half of a \r\n: the \n opening the next chunk is not another line.
    pendingCr = whole.endsWith('\r');
    const parts = whole.split(/\r\n|\n|\r/);
    carry = parts.pop() ?? '';
    for (const p of parts) yield p;
  }
  if (carry) yield carry;
}

/** The delimiter used most outside quotes on the header line; `,` when there is none. */
export function detectCsvDelimiter(headerLine: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (DELIMITERS as readonly string[]).includes(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  let most = 0;
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > most) [best, most] = [d, counts.get(d)!];
  return best;
}

const quoteCount = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++;
  return n;
};

/**
 * The fields of one record's text (RFC 4180: a quoted value may hold delimiters, line breaks and
 * doubled quotes), or null when it is not one well-formed record. A quote inside an unquoted value
 * is kept as a character (O"Brien), as spreadsheets read it. Not csv-parse here: a parser instance
 * per record costs ~50x this loop, and the record boundaries are already known (readCsv finds them).
 */
export function parseCsvRecord(text: string, delimiter: string): string[] | null {
  // Most lines of real files hold no quote at all: a split is exact there.
  if (!text.includes('"')) return text.includes('\n') ? null : text.split(delimiter);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) return null; // never closed
        value += text.slice(from, q);
        if (text[q + 1] === '"') {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (!text.startsWith(delimiter, i)) return null; // text after the closing quote
      i += delimiter.length;
    } else {
      const d = text.indexOf(delimiter, i);
      const value = d === -1 ? text.slice(i) : text.slice(i, d);
      if (value.includes('\n')) return null; // a line break outside quotes: more than one record
      fields.push(value);
      if (d === -1) return fields;
      i = d + delimiter.length;
    }
  }
}

export interface CsvReadResult {
  header: string[];
  delimiter: string;
  records: AsyncGenerator<CsvRecord>;
}

/**
 * Reads the header (detecting the delimiter unless given), then yields every record with its line.
 * A record whose quotes do not close within MAX_LINES_PER_RECORD lines, that does not parse, or
 * whose column count differs from the header's is yielded as an error and the reading resumes on
 * the next line — so one stray quote costs one row, not the file.
 */
export async function readCsv(text: AsyncIterable<string>, opts: { delimiter?: string } = {}): Promise<CsvReadResult | null> {
  const lines = physicalLines(text);
  let lineNo = 0;
  let headerLine: string | undefined;
  for (let n = await lines.next(); !n.done; n = await lines.next()) {
    lineNo++;
    if (n.value.trim()) {
      headerLine = n.value;
      break;
    }
  }
  if (headerLine === undefined) return null;
  const delimiter = opts.delimiter ?? detectCsvDelimiter(headerLine);
  const header = parseCsvRecord(headerLine, delimiter);
  if (!header) throw new Error('the header line is not valid CSV');
  const width = header.length;
  const headerLineNo = lineNo;

  async function* records(): AsyncGenerator<CsvRecord> {
    /** Lines read ahead while looking for the end of a quoted value, given back after a failure. */
    const pending: { no: number; text: string }[] = [];
    let next = headerLineNo;
    let exhausted = false;
    const pull = async (): Promise<{ no: number; text: string } | undefined> => {
      if (pending.length) return pending.shift();
      if (exhausted) return undefined;
      const n = await lines.next();
      if (n.done) {
        exhausted = true;
        return undefined;
      }
      return { no: ++next, text: n.value };
    };
    for (let first = await pull(); first; first = await pull()) {
      if (!first.text.trim()) continue;
      const taken = [first];
      let text = first.text;
      let quotes = quoteCount(text);
      // An odd number of quotes: a quoted value goes on to the next line (or a quote is stray).
      while (quotes % 2 === 1 && taken.length < MAX_LINES_PER_RECORD) {
        const more = await pull();
        if (!more) break;
        taken.push(more);
        text += `\n${more.text}`;
        quotes += quoteCount(more.text);
      }
      const fields = quotes % 2 === 0 ? parseCsvRecord(text, delimiter) : null;
      if (fields && fields.length === width) {
        yield { line: first.no, fields };
        continue;
      }
      // Not one good record: report the first line only and read the following lines afresh.
      pending.unshift(...taken.slice(1));
      const alone = taken.length > 1 ? parseCsvRecord(first.text, delimiter) : fields;
      if (alone && alone.length === width && quoteCount(first.text) % 2 === 0) {
        yield { line: first.no, fields: alone };
        continue;
      }
      yield {
        line: first.no,
        error: alone && quoteCount(first.text) % 2 === 0 ? `expected ${width} columns, found ${alone.length}` : 'malformed CSV (a quote that is not closed or a stray quote)',
      };
    }
  }
  return { header: header.map((h) => h.trim()), delimiter, records: records() };
}

/** readCsv over a byte stream: encoding detection, then records. */
export async function readCsvStream(input: Readable | AsyncIterable<Buffer | string>, opts: { delimiter?: string; encoding?: string } = {}) {
  return readCsv(decodeCsvStream(input as AsyncIterable<Buffer | string>, opts.encoding), { delimiter: opts.delimiter });
}

/** A header name reduced for alias matching: "E-mail", "Email Address" and "email_address" meet. */
export const headerKey = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9.]/g, '');

/**
 * Maps each header column to a target field: an explicit `map` entry (header name → field) first,
 * else the field whose name or alias matches the reduced header name, else `dynamic` (e.g. `cf.<key>`
 * custom field columns), else null (unknown column).
 */
export function mapCsvHeader(
  header: string[],
  aliases: Record<string, readonly string[]>,
  opts: { map?: Record<string, string>; dynamic?: (reducedName: string, original: string) => string | null } = {},
): (string | null)[] {
  const byKey = new Map<string, string>();
  for (const [field, names] of Object.entries(aliases)) for (const n of [field, ...names]) byKey.set(headerKey(n), field);
  const explicit = new Map(Object.entries(opts.map ?? {}).map(([from, to]) => [headerKey(from), to]));
  return header.map((h) => {
    const k = headerKey(h);
    const to = explicit.get(k);
    if (to !== undefined) return to === '' ? '' : (byKey.get(headerKey(to)) ?? opts.dynamic?.(headerKey(to), to) ?? to);
    return byKey.get(k) ?? opts.dynamic?.(k, h) ?? null;
  });
}

/** At most this many refused lines are listed in an import report; the count is always exact. */
export const MAX_REPORTED_CSV_ERRORS = 1000;

/** What every CSV import reports (contacts, companies, deals). */
export interface CsvImportCounts {
  /** Nothing was written: the counts say what the import would do. */
  dryRun: boolean;
  rows: number;
  created: number;
  skipped: number;
  failed: number;
  errors: { row: number; message: string }[];
}

export function newCsvImportCounts(dryRun: boolean): CsvImportCounts {
  return { dryRun, rows: 0, created: 0, skipped: 0, failed: 0, errors: [] };
}

/** Counts a refused line (listed while under MAX_REPORTED_CSV_ERRORS). */
export function refuseCsvLine(report: CsvImportCounts, row: number, message: string): void {
  report.failed += 1;
  if (report.errors.length < MAX_REPORTED_CSV_ERRORS) report.errors.push({ row, message });
}

/** Why an import stops before its first row: header columns that map to none of `known`; null if none. */
export function unknownCsvColumns(header: string[], columns: (string | null)[], known: readonly string[]): string | null {
  const unknown = header.filter((_, i) => columns[i] === null || (columns[i] !== '' && !known.includes(columns[i]!)));
  return unknown.length ? `import stopped: unknown CSV column(s): ${unknown.join(', ')} (expected some of ${known.join(', ')}; or map them with --map "Header=column")` : null;
}
