import PDFDocument from 'pdfkit';

/** A pdfkit document and the promise of its bytes; `draw` runs synchronously, an exception in it rejects. */
export function renderPdf(options: PDFKit.PDFDocumentOptions, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
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
