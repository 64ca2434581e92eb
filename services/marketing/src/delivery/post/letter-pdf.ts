import { DocumentText, renderPdf } from '@crm/documents';

export interface Letter {
  recipientName: string;
  addressLines: string[];
  body: string;
}

export interface LetterRun {
  /** The return-address line above the recipient (the issuing company, one line) */
  sender: string;
  /** The date as printed (already in the issuer's locale and time zone) */
  date: string;
  /** BCP 47 language of the letters */
  locale: string;
}

const MM = 72 / 25.4;

/**
 * A print run: one A4 page per letter (longer letters flow onto more pages), the recipient block
 * where a DIN 5008 / C5-C6 window envelope shows it (20 mm from the left, 45 mm from the top), the
 * sender line above it, the date, the body. Names and addresses in Latin, Greek, Cyrillic and CJK
 * scripts print as written (the documents' Noto fonts, embedded as subsets). Returns the whole batch as one PDF.
 */
export function renderLetters(letters: Letter[], run: LetterRun): Promise<Buffer> {
  return renderPdf(
    { size: 'A4', autoFirstPage: false, lang: run.locale, margins: { top: 25 * MM, bottom: 20 * MM, left: 25 * MM, right: 20 * MM }, info: { Title: 'Letters', Creator: 'CRM marketing' } },
    (doc) => {
      const t = new DocumentText(doc);
      for (const l of letters) {
        doc.addPage();
        const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
        doc.fillColor('#555');
        t.line(run.sender, 20 * MM, 40 * MM, { size: 7 });
        doc.fillColor('black');
        t.flow(l.recipientName, 20 * MM, 45 * MM, { width: 85 * MM, weight: 'bold', size: 10 });
        for (const line of l.addressLines) t.flow(line, 20 * MM, doc.y, { width: 85 * MM, size: 10 });
        t.line(run.date, doc.page.margins.left, 98 * MM, { width, align: 'right', size: 10 });
        t.flow(l.body, doc.page.margins.left, 98 * MM + 30, { width, size: 11, lineGap: 2 });
      }
      if (!letters.length) {
        doc.addPage();
        t.line('No letters.', doc.page.margins.left, doc.page.margins.top, { size: 11 });
      }
    },
  );
}
