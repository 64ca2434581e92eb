import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { badUserInput, invalidField, isUuid, neutraliseCsvCell, UnitOfWork, type RequestContext } from '@crm/platform';
import { ATTRIBUTION_FIELDS } from '@crm/shared-kernel';
import { CustomFieldRepository } from '../../custom-fields/custom-field.repository';
import { renderCustomFields } from '../../custom-fields/custom-field.values';
import { LIMITS } from '../contact-input';
import { ContactExportRepository, type ExportWidths } from '../../imports/contact-export.repository';
import { addressColumns, ADDRESS_PARTS, nthColumn } from '../../imports/csv-columns';
import { CONSENT_CHANNELS } from '../../imports/import-contacts.use-case';
import { contactSearchOf } from '../contact.queries';
import type { ContactFilter } from '../contact.types';

/** Rows the one-shot `exportContactsCsv` returns at most; beyond, it refuses instead of cutting the file short. */
export const MAX_INLINE_EXPORT_ROWS = 10000;
/** Rows one `contactsCsvPage` call may return. */
export const MAX_EXPORT_PAGE = 5000;
/** Pages after the first carry the widths the header was written with: `<last id>~<emails>-<phones>-<addresses>`. */
const CURSOR = /^([0-9a-f-]{36})~(\d+)-(\d+)-(\d+)$/i;

export interface CsvPage {
  /** CSV text; the first page (no `after`) starts with the header line. */
  csv: string;
  columns: string[];
  rows: number;
  endCursor: string | null;
  hasNextPage: boolean;
  /** Matching contacts in all pages; counted on the first page only. */
  totalCount: number | null;
}

/**
 * Contacts matching the filter as CSV, every column the import reads: the base fields (time zone,
 * preferred channels and `network:handle` social handles included), every email and
 * phone (`email`, `email 2`, …, primary first), every address (`address.<part>`, `address 2.<part>`, …),
 * the consent per channel (`consent.<channel>`) and every defined custom field (`cf.<key>`), so export → import is
 * faithful. As many numbered columns as the tenant's contact with the most of them needs, fixed on the
 * first page (the cursor carries them) so every page has the header's columns. Paged by id (an opaque cursor to clients) so a client (`crm export contacts`) streams any number of rows to a file
 * with bounded memory on both sides and a known total for its progress bar.
 */
@Injectable()
export class ExportContactsCsv {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly rows: ContactExportRepository,
    private readonly customFields: CustomFieldRepository,
  ) {}

  async page(ctx: RequestContext, filter: ContactFilter, first: number, after?: string): Promise<CsvPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_EXPORT_PAGE) throw invalidField('first', `must be between 1 and ${MAX_EXPORT_PAGE}`);
    const cursor = after === undefined ? undefined : CURSOR.exec(after);
    if (cursor === null || (cursor && !isUuid(cursor[1]))) throw invalidField('after', 'not a cursor of this export (use endCursor)');
    const search = contactSearchOf(filter);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const defs = await this.customFields.definitions(tx);
      const keys = [...defs.keys()].sort();
      const w = cursor ? { emails: Number(cursor[2]), phones: Number(cursor[3]), addresses: Number(cursor[4]) } : await this.rows.widths(tx);
      const widths: ExportWidths = { emails: clamp(w.emails, LIMITS.emails), phones: clamp(w.phones, LIMITS.phones), addresses: clamp(w.addresses, LIMITS.addresses) };
      const series = (name: 'email' | 'phone', n: number) => Array.from({ length: n }, (_, i) => nthColumn(name, i + 1));
      const columns = [
        'id', 'firstName', 'lastName', ...series('email', widths.emails), ...series('phone', widths.phones), 'company', 'tags', 'lifecycleStage', 'ownerId',
        'timeZone', 'preferredChannels', 'socialHandles', ...ATTRIBUTION_FIELDS.map((f) => `source.${f}`), ...addressColumns(widths.addresses), ...CONSENT_CHANNELS.map((c) => `consent.${c}`), ...keys.map((k) => `cf.${k}`),
      ];
      const totalCount = after === undefined ? await this.rows.count(tx, search) : null;
      const page = await this.rows.page(tx, search, cursor ? cursor[1] : null, first + 1);
      const hasNextPage = page.length > first;
      const rows = page.slice(0, first);
      const csv = stringify(
        rows.map((c) => {
          const custom = new Map(renderCustomFields(defs, c.custom_fields).map((f) => [f.key, f.value]));
          // Every cell neutralised against spreadsheet formula injection; the import strips the guard again.
          return [
            c.id, c.first_name, c.last_name, ...cells(c.emails, widths.emails), ...cells(c.phones, widths.phones), c.company_name, c.tags.join(';'), c.lifecycle_stage, c.owner_id,
            c.time_zone, c.preferred_channels.join(';'), c.social_handles.map((s) => `${s.network}:${s.handle}`).join(';'),
            ...ATTRIBUTION_FIELDS.map((f) => c.source?.[f] ?? ''),
            ...Array.from({ length: widths.addresses }, (_, i) => ADDRESS_PARTS.map((p) => c.addresses[i]?.[p] ?? '')).flat(),
            ...CONSENT_CHANNELS.map((ch) => c.consents[ch] ?? ''),
            ...keys.map((k) => custom.get(k) ?? ''),
          ].map(neutraliseCsvCell);
        }),
        { header: after === undefined, columns },
      );
      const last = rows.at(-1)?.id;
      return { csv, columns, rows: rows.length, endCursor: last ? `${last}~${widths.emails}-${widths.phones}-${widths.addresses}` : (after ?? null), hasNextPage, totalCount };
    });
  }

  /** The whole result as one CSV string; refuses (rather than truncates) above MAX_INLINE_EXPORT_ROWS. */
  async execute(ctx: RequestContext, filter: ContactFilter): Promise<string> {
    let out = '';
    let after: string | undefined;
    let rows = 0;
    for (;;) {
      const page = await this.page(ctx, filter, MAX_EXPORT_PAGE, after);
      rows += page.rows;
      if (rows > MAX_INLINE_EXPORT_ROWS) {
        throw badUserInput(
          `more than ${MAX_INLINE_EXPORT_ROWS} contacts match: narrow the filter, page with contactsCsvPage, or run \`crm export contacts\``,
          { fields: [{ field: 'filter', message: `matches more than ${MAX_INLINE_EXPORT_ROWS} contacts` }] },
        );
      }
      out += page.csv;
      if (!page.hasNextPage || !page.endCursor) return out;
      after = page.endCursor;
    }
  }
}

const clamp = (n: number, max: number) => Math.min(Math.max(n, 1), max);

/** A series' values padded to its width. */
const cells = (values: string[], width: number) => Array.from({ length: width }, (_, i) => values[i] ?? '');
