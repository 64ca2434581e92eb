import { DocumentText, fontRuns, renderPdf } from './index';
import { extractPdfText } from '../test/pdf-text';

describe('document fonts', () => {
  it('splits text into runs by the first font that has each character', () => {
    expect(fontRuns('Łukasz Дмитрий Σωκράτης')).toEqual([{ font: 'crm-noto-sans', text: 'Łukasz Дмитрий Σωκράτης' }]);
    expect(fontRuns('Ada 李小龍 さくら', 'bold')).toEqual([
      { font: 'crm-noto-sans-bold', text: 'Ada ' },
      { font: 'crm-noto-sans-cjk-bold', text: '李小龍 さくら' },
    ]);
  });

  it('embeds the fonts and draws names in Latin, Greek, Cyrillic and CJK so a reader extracts them as written', async () => {
    const names = ['Łukasz Żółć', 'Σωκράτης Παπαδόπουλος', 'Дмитрий Иванов', '李小龍', '山田 さくら', 'Müller 株式会社 GmbH'];
    const pdf = await renderPdf({ size: 'A4' }, (doc) => {
      const t = new DocumentText(doc);
      names.forEach((n, i) => t.line(n, 50, 50 + i * 20, { weight: i % 2 ? 'bold' : 'regular' }));
      t.flow(`Dear ${names[5]},\nthank you.`, 50, 300, { width: 200 });
    });
    const s = pdf.toString('latin1');
    expect(s).toMatch(/\/FontFile2/); // Noto Sans (TrueType)
    expect(s).toMatch(/\/FontFile3/); // Noto Sans CJK (CFF)
    const { lines } = (await extractPdfText(pdf)).pages[0];
    expect(lines).toEqual([...names, `Dear ${names[5]},`, 'thank you.']);
  });
});
