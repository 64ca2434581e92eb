import { neutraliseCsvCell, restoreCsvCell } from './csv-cells';

describe('CSV cells', () => {
  it.each(['=HYPERLINK("http://evil","x")', '+33 1 23 45 67 89', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])('neutralises %j and restores it', (v) => {
    expect(neutraliseCsvCell(v)).toBe(`'${v}`);
    expect(restoreCsvCell(neutraliseCsvCell(v) as string)).toBe(v);
  });
  it.each(['Ada', "O'Brien", "'quoted'", '', 'a=b'])('leaves %j alone both ways', (v) => {
    expect(neutraliseCsvCell(v)).toBe(v);
    expect(restoreCsvCell(v)).toBe(v);
  });
  it('leaves non-strings alone', () => {
    expect(neutraliseCsvCell(null)).toBeNull();
    expect(neutraliseCsvCell(3)).toBe(3);
  });
});
