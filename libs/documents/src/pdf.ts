import type PDFKitDocument from 'pdfkit';

// Required on the first PDF, not when a service boots: pdfkit with fontkit is ~7 MB of heap (and ~25 MB
// of resident memory) that a process rendering no quote or letter never needs — every module of the
// embedded `pnpm start` shares one process.
let PDFDocument: typeof PDFKitDocument | undefined;

/** A pdfkit document and the promise of its bytes; `draw` runs synchronously, an exception in it rejects. */
export function renderPdf(options: PDFKit.PDFDocumentOptions, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  PDFDocument ??= require('pdfkit') as typeof PDFKitDocument;
  const doc = new PDFDocument(options);
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    draw(doc);
    doc.end();
  } catch (e) {
    doc.destroy();
    return Promise.reject(e);
  }
  return done;
}
