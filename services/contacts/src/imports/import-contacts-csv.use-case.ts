import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { invalidField, type RequestContext } from '@crm/platform';
import { ImportContactsUseCase, type ImportReport } from './import-contacts.use-case';

/** Largest CSV accepted inline through GraphQL; bigger files go through `pnpm crm import contacts FILE`. */
export const MAX_INLINE_CSV = 5 * 1024 * 1024;

/** importContactsCsv: CSV text sent inline, imported like a file. */
@Injectable()
export class ImportContactsCsv {
  constructor(private readonly importer: ImportContactsUseCase) {}

  async execute(ctx: RequestContext, csv: string, defaultCountry?: string): Promise<ImportReport> {
    if (csv.length > MAX_INLINE_CSV) throw invalidField('csv', `larger than ${MAX_INLINE_CSV} bytes; use \`pnpm crm import contacts FILE.csv\` for big files`);
    return this.importer.run(ctx, Readable.from([csv]), { defaultCountry });
  }
}
