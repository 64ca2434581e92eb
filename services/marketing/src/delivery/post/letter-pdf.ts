import PDFDocument from 'pdfkit';

/** DejaVu Sans covers Latin, Greek and Cyrillic (names like “Łukasz Żółć” or “Дмитрий”); pdfkit embeds the subset used. */
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export interface Letter {
  recipientName: string;
  addressLines: string[];
  body: string;
}

const MM = 72 / 25.4;

/**
 * A print run: one A4 page per letter (longer letters flow onto more pages), the recipient block
 * where a DIN 5008 / C5-C6 window envelope shows it (20 mm from the left, 45 mm from the top), the
 * sender line above it, the date, the body. Returns the whole batch as one PDF.
 */
export function renderLetters(letters: Letter[], opts: { sender: string; date: Date }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', autoFirstPage: false, margins: { top: 25 * MM, bottom: 20 * MM, left: 25 * MM, right: 20 * MM }, info: { Title: 'Letters', Creator: 'CRM marketing' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('body', FONT);
    doc.registerFont('bold', FONT_BOLD);
    const dateText = opts.date.toISOString().slice(0, 10);
    for (const l of letters) {
      doc.addPage();
      const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
      doc.font('body').fontSize(7).fillColor('#555').text(opts.sender, 20 * MM, 40 * MM, { width: 85 * MM, lineBreak: false });
      doc.font('bold').fontSize(10).fillColor('black').text(l.recipientName, 20 * MM, 45 * MM, { width: 85 * MM });
      doc.font('body').fontSize(10);
      for (const line of l.addressLines) doc.text(line, { width: 85 * MM });
      doc.text(dateText, doc.page.margins.left, 98 * MM, { width, align: 'right' });
      doc.moveDown(2);
      doc.fontSize(11).text(l.body, doc.page.margins.left, doc.y, { width, align: 'left', lineGap: 2 });
    }
    if (!letters.length) doc.addPage().font('body').fontSize(11).text('No letters.');
    doc.end();
  });
}
