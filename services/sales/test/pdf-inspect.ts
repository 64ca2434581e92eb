import { inflateSync } from 'node:zlib';

/**
 * Just enough of a PDF reader for tests of the PDFs pdfkit writes (classic xref, no object streams):
 * objects and their streams, the document info, the pages. Text is read with pdf.js
 * (@crm/documents/test/pdf-text), which decodes the embedded fonts' glyphs.
 */
export interface PdfObject {
  id: number;
  /** The object's body before any stream, as latin1 text */
  body: string;
  /** The raw stream bytes (still encoded) */
  stream?: Buffer;
}

export interface ParsedPdf {
  buffer: Buffer;
  objects: Map<number, PdfObject>;
  trailer: string;
}

export function parsePdf(buffer: Buffer): ParsedPdf {
  const s = buffer.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const head = /(\d+) (\d+) obj\b/g;
  let m: RegExpExecArray | null;
  while ((m = head.exec(s))) {
    const start = m.index + m[0].length;
    const end = s.indexOf('endobj', start);
    if (end < 0) throw new Error(`object ${m[1]}: no endobj`);
    const streamAt = s.slice(start, end).search(/\bstream\r?\n/);
    if (streamAt < 0) {
      objects.set(Number(m[1]), { id: Number(m[1]), body: s.slice(start, end).trim() });
      head.lastIndex = end;
      continue;
    }
    const body = s.slice(start, start + streamAt);
    const length = /\/Length (\d+)\b/.exec(body);
    if (!length) throw new Error(`object ${m[1]}: a stream without a direct /Length`);
    const dataStart = start + streamAt + /stream\r?\n/.exec(s.slice(start + streamAt))![0].length;
    const dataEnd = dataStart + Number(length[1]);
    objects.set(Number(m[1]), { id: Number(m[1]), body: body.trim(), stream: buffer.subarray(dataStart, dataEnd) });
    const after = s.indexOf('endobj', s.indexOf('endstream', dataEnd));
    head.lastIndex = after;
  }
  const trailerAt = s.lastIndexOf('trailer');
  if (trailerAt < 0) throw new Error('no trailer');
  return { buffer, objects, trailer: s.slice(trailerAt, s.indexOf('startxref', trailerAt)) };
}

/** The bytes of a literal `(…)` or hex `<…>` string token at the start of `src`, and where it ends. */
export function readStringToken(src: string, at = 0): { bytes: Buffer; end: number } {
  while (/\s/.test(src[at])) at++;
  if (src[at] === '<') {
    const close = src.indexOf('>', at);
    let hex = src.slice(at + 1, close).replace(/\s+/g, '');
    if (hex.length % 2) hex += '0'; // PDF: a missing last digit is 0
    return { bytes: Buffer.from(hex, 'hex'), end: close + 1 };
  }
  if (src[at] !== '(') throw new Error(`not a string at ${at}: ${src.slice(at, at + 20)}`);
  const out: number[] = [];
  let depth = 0;
  let i = at;
  for (;;) {
    const c = src[i++];
    if (c === undefined) throw new Error('unterminated literal string');
    if (c === '(') {
      if (depth++ > 0) out.push(0x28);
    } else if (c === ')') {
      if (--depth === 0) break;
      out.push(0x29);
    } else if (c === '\\') {
      const e = src[i++];
      const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, b: 0x08, f: 0x0c, '(': 0x28, ')': 0x29, '\\': 0x5c };
      if (e in simple) out.push(simple[e]);
      else if (/[0-7]/.test(e)) {
        let oct = e;
        while (oct.length < 3 && /[0-7]/.test(src[i])) oct += src[i++];
        out.push(parseInt(oct, 8) & 0xff);
      } else if (e === '\r') {
        if (src[i] === '\n') i++;
      } else if (e !== '\n') out.push(e.charCodeAt(0));
    } else out.push(c.charCodeAt(0));
  }
  return { bytes: Buffer.from(out), end: i };
}

/** A text string of the document (info entries): UTF-16BE after a BOM, else PDFDocEncoding (≈ latin1). */
export function decodeTextString(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return bytes.toString('latin1');
}

/** An entry of the document info dictionary (following an indirect reference where pdfkit writes one). */
export function infoEntry(pdf: ParsedPdf, key: string): string | undefined {
  const info = /\/Info (\d+) 0 R/.exec(pdf.trailer);
  if (!info) return undefined;
  const dict = pdf.objects.get(Number(info[1]))?.body ?? '';
  const at = new RegExp(`/${key}\\s*`).exec(dict);
  if (!at) return undefined;
  const rest = dict.slice(at.index + at[0].length);
  const ref = /^(\d+) 0 R/.exec(rest);
  const src = ref ? pdf.objects.get(Number(ref[1]))!.body : rest;
  return decodeTextString(readStringToken(src).bytes);
}

export function pageCount(pdf: ParsedPdf): number {
  return [...pdf.objects.values()].filter((o) => /\/Type\s*\/Page(?![a-zA-Z])/.test(o.body)).length;
}

/** A stream's decoded bytes (Flate, or none). */
export function streamData(o: PdfObject): Buffer {
  if (!o.stream) throw new Error(`object ${o.id} has no stream`);
  return /\/Filter\s*\/FlateDecode/.test(o.body) ? inflateSync(o.stream) : o.stream;
}

/** Checks the file's frame: header, trailer, xref offsets pointing at their objects. */
export function checkStructure(pdf: ParsedPdf): void {
  const s = pdf.buffer.toString('latin1');
  if (!s.startsWith('%PDF-')) throw new Error('no %PDF- header');
  if (!/%%EOF\r?\n?$/.test(s)) throw new Error('does not end with %%EOF');
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(s)?.[1]);
  if (!s.startsWith('xref', startxref)) throw new Error(`startxref ${startxref} does not point at the xref table`);
  const rows = s.slice(startxref).split('\n').slice(2);
  for (const [id] of pdf.objects) {
    const row = rows[id];
    const offset = Number(row?.slice(0, 10));
    if (!s.startsWith(`${id} 0 obj`, offset)) throw new Error(`xref entry of object ${id} points at ${offset}`);
  }
}
