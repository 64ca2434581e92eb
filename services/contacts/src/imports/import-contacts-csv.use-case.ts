import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { invalidField, type RequestContext } from '@crm/platform';
import { ImportContactsUseCase, type ImportReport } from './import-contacts.use-case';

/** Largest CSV accepted inline through GraphQL; bigger files go through `pnpm crm import contacts FILE` (in chunks). */
export const MAX_INLINE_CSV = 5 * 1024 * 1024;

export interface InlineImportOptions {
  defaultCountry?: string;
  /** Header name → column, as `crm import --map`. */
  map?: { column: string; field: string }[];
  dryRun?: boolean;
  delimiter?: string;
}

/** importContactsCsv: CSV text sent inline, imported like a file. */
@Injectable()
export class ImportContactsCsv {
  constructor(private readonly importer: ImportContactsUseCase) {}

  async execute(ctx: RequestContext, csv: string, opts: InlineImportOptions = {}): Promise<ImportReport> {
    if (csv.length > MAX_INLINE_CSV) throw invalidField('csv', `larger than ${MAX_INLINE_CSV} bytes; use \`pnpm crm import contacts FILE.csv\` for big files`);
    if (opts.delimiter !== undefined && ![',', ';', '\t', '|'].includes(opts.delimiter)) throw invalidField('delimiter', 'one of , ; | or a tab');
    const map = opts.map ? Object.fromEntries(opts.map.map((m) => [m.column, m.field])) : undefined;
    // Text arrives decoded already (GraphQL strings are Unicode): only the CLI reading a file detects encodings.
    return this.importer.run(ctx, Readable.from([csv]), { defaultCountry: opts.defaultCountry, map, dryRun: opts.dryRun, delimiter: opts.delimiter, encoding: 'utf-8' });
  }
}
