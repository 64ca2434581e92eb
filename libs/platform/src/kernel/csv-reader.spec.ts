import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { detectCsvEncoding, mapCsvHeader, parseCsvRecord, readCsvStream, type CsvRecord } from './csv-reader';

async function readAll(bytes: Buffer | string, chunk = 7) {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  // Small chunks: line ends, \r\n pairs and multi-byte characters fall across chunk boundaries.
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  const r = await readCsvStream(Readable.from(parts));
  const records: CsvRecord[] = [];
  for await (const rec of r!.records) records.push(rec);
  return { header: r!.header, delimiter: r!.delimiter, records };
}

describe('readCsv: real files', () => {
  it('reports a stray quote and a wrong column count by line and reads every other line', async () => {
    const csv = [
      'a,b,c', // 1
      '1,2,3', // 2
      '"stray,2,3', // 3: opening quote never closed
      '4,5,6', // 4
      '7,8,9,10,11', // 5: two extra columns
      '10,"multi', // 6: a quoted value over two lines
      'line",12', // 7
      'x,O"Brien,y', // 8: a quote inside a field, unbalanced
      '13,14', // 9: one column short
      '', // 10
      '"q ""x""",15,16', // 11
    ].join('\r\n');
    const { header, records } = await readAll(csv);
    expect(header).toEqual(['a', 'b', 'c']);
    expect(records).toEqual([
      { line: 2, fields: ['1', '2', '3'] },
      { line: 3, error: expect.stringMatching(/quote/) },
      { line: 4, fields: ['4', '5', '6'] },
      { line: 5, error: 'expected 3 columns, found 5' },
      { line: 6, fields: ['10', 'multi\nline', '12'] },
      { line: 8, error: expect.stringMatching(/quote/) },
      { line: 9, error: 'expected 3 columns, found 2' },
      { line: 11, fields: ['q "x"', '15', '16'] },
    ]);
  });

  it('detects ; delimiters and Windows-1252 text', async () => {
    const bytes = iconv.encode('Vorname;Nachname;Stadt\r\nJürgen;Müller;Zürich\r\n"Zoë; Anne";Brontë;Köln – Süd €\r\n', 'windows-1252');
    expect(detectCsvEncoding(bytes)).toBe('windows-1252');
    const { delimiter, records } = await readAll(bytes, 5);
    expect(delimiter).toBe(';');
    expect(records).toEqual([
      { line: 2, fields: ['Jürgen', 'Müller', 'Zürich'] },
      { line: 3, fields: ['Zoë; Anne', 'Brontë', 'Köln – Süd €'] },
    ]);
  });

  it('reads UTF-8 with a BOM and multi-byte characters split across chunks', async () => {
    const { header, records } = await readAll(`\uFEFFname,city\nΑθηνά,東京\n`, 3);
    expect(header).toEqual(['name', 'city']);
    expect(records).toEqual([{ line: 2, fields: ['Αθηνά', '東京'] }]);
  });

  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    [',,', ['', '', '']],
    ['"a,1","b ""2""",', ['a,1', 'b "2"', '']],
    ['"multi\nline",x', ['multi\nline', 'x']],
    ['O"Brien,x', ['O"Brien', 'x']],
    ['"",""', ['', '']],
  ])('parseCsvRecord(%j)', (text, fields) => {
    expect(parseCsvRecord(text, ',')).toEqual(fields);
  });

  it.each(['"never closed,x', '"closed"then,x', 'a\nb,c', 'x,"a""'])('parseCsvRecord(%j) is not one well-formed record', (text) => {
    expect(parseCsvRecord(text, ',')).toBeNull();
  });

  it('maps header aliases, explicit mappings and dynamic columns', () => {
    const aliases = { email: ['e-mail', 'email address'], firstName: ['first name', 'given name'] };
    expect(
      mapCsvHeader(['E-mail', 'Email Address', 'First Name', 'cf.tier', 'Spalte X', 'other'], aliases, {
        map: { 'Spalte X': 'firstName' },
        dynamic: (k) => (k.startsWith('cf.') ? k : null),
      }),
    ).toEqual(['email', 'email', 'firstName', 'cf.tier', 'firstName', null]);
  });
});
