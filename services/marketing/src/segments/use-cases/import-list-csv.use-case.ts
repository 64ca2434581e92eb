import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { badUserInput, headerKey, isUuid, parseInput, readCsv, restoreCsvCell, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { normaliseEmail } from '@crm/shared-contacts';
import { emitSegmentUpdated } from '../segment.events';
import { lockSegment } from '../segment-guards';
import { SegmentMembership } from '../segment-membership';
import { SegmentRepository } from '../segment.repository';
import { ACTIVE } from '../rules/rule.compiler';
import type { ListImportReport } from '../segment.types';

/** 5 MB of text: about 100,000 rows of emails; larger lists are imported in parts. */
const MAX_CSV_CHARS = 5_000_000;
const MAX_REPORTED = 1000;
const BATCH = 1000;
const ID_HEADERS = ['id', 'contactid', 'contact'];
const EMAIL_HEADERS = ['email', 'emailaddress', 'mail'];

const schema = z.string().min(1, 'must not be empty').max(MAX_CSV_CHARS, `at most ${MAX_CSV_CHARS} characters`);

interface Pending {
  line: number;
  id?: string;
  email?: string;
}

async function* oneChunk(text: string): AsyncGenerator<string> {
  yield text;
}

/**
 * A CSV of contact ids or emails into a static list, read with the platform's CSV reader (delimiter
 * detection, quoted values, one bad line costs one row). A header names the column: `id` (or
 * `contactId`) and/or `email`; a row with an id uses it, else its email (the primary or any address
 * of an active contact). Unknown, erased, archived, ambiguous or malformed rows are reported by line;
 * the rest is added in the same transaction.
 */
@Injectable()
export class ImportListCsv {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
    private readonly membership: SegmentMembership,
  ) {}

  async execute(ctx: RequestContext, id: string, csv: string): Promise<ListImportReport> {
    const text = parseInput(schema, csv, 'csv');
    const read = await readCsv(oneChunk(text));
    if (!read) throw badUserInput('csv: no header line', { fields: [{ field: 'csv', message: 'no header line' }] });
    const keys = read.header.map(headerKey);
    const idCol = keys.findIndex((k) => ID_HEADERS.includes(k));
    const emailCol = keys.findIndex((k) => EMAIL_HEADERS.includes(k));
    if (idCol < 0 && emailCol < 0) {
      throw badUserInput('csv: the header names no id or email column', { fields: [{ field: 'csv', message: `the header (${read.header.join(', ')}) names no id or email column` }] });
    }
    return this.uow.run(ctx.tenantId, async (tx) => {
      const list = await lockSegment(tx, this.segments, id, 'static');
      const report: ListImportReport = { rows: 0, added: 0, alreadyMembers: 0, failed: 0, errors: [] };
      const fail = (line: number, message: string) => {
        report.failed += 1;
        if (report.errors.length < MAX_REPORTED) report.errors.push({ line, message });
      };
      let batch: Pending[] = [];
      const flush = async () => {
        const resolved = await this.resolve(tx, batch, fail);
        const added = await this.membership.addToList(tx, list, resolved, 'import');
        report.added += added.length;
        report.alreadyMembers += resolved.length - added.length;
        batch = [];
      };
      for await (const rec of read.records) {
        report.rows += 1;
        if ('error' in rec && rec.error) {
          fail(rec.line, rec.error);
          continue;
        }
        const fields = (rec.fields ?? []).map((f) => restoreCsvCell(f).trim());
        const rawId = idCol >= 0 ? fields[idCol] : '';
        const rawEmail = emailCol >= 0 ? fields[emailCol] : '';
        if (rawId) {
          if (!isUuid(rawId)) fail(rec.line, `"${rawId.slice(0, 60)}" is not a contact id`);
          else batch.push({ line: rec.line, id: rawId.toLowerCase() });
        } else if (rawEmail) {
          const email = normaliseEmail(rawEmail);
          if (!email) fail(rec.line, `"${rawEmail.slice(0, 60)}" is not an email address`);
          else batch.push({ line: rec.line, email });
        } else fail(rec.line, 'neither an id nor an email');
        if (batch.length >= BATCH) await flush();
      }
      if (batch.length) await flush();
      // Sorted by line: the reader yields in order, but id and email rows resolve in separate queries.
      report.errors.sort((a, b) => a.line - b.line);
      if (report.added) {
        const size = (await this.segments.sizes(tx, [list.id])).get(list.id) ?? 0;
        await emitSegmentUpdated(tx, list, ['members'], size, ctx.userId);
      }
      return report;
    });
  }

  /** Contact ids of the batch's rows (in order, duplicates kept for counting); refused rows reported. */
  private async resolve(tx: Tx, rows: Pending[], fail: (line: number, message: string) => void): Promise<string[]> {
    const ids = rows.filter((r) => r.id).map((r) => r.id!);
    const emails = rows.filter((r) => r.email).map((r) => r.email!);
    const byId = new Map<string, { merged_into: string | null; active: boolean }>();
    if (ids.length) {
      const found = await tx.query<{ contact_id: string; merged_into: string | null; active: boolean }>(
        `SELECT contact_id, merged_into, (${ACTIVE.replace('r.merged_into IS NULL AND ', '')}) AS active FROM contact_replica r WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`,
        [tx.tenantId, ids],
      );
      for (const f of found) byId.set(f.contact_id, f);
    }
    const byEmail = new Map<string, string[]>();
    if (emails.length) {
      const found = await tx.query<{ contact_id: string; email: string }>(
        `SELECT DISTINCT r.contact_id, x.email FROM contact_replica r
           CROSS JOIN LATERAL (SELECT lower(r.primary_email) AS email UNION SELECT lower(e ->> 'email') FROM jsonb_array_elements(r.emails) e) x
         WHERE r.tenant_id = $1 AND ${ACTIVE} AND x.email = ANY($2::text[])`,
        [tx.tenantId, emails],
      );
      for (const f of found) byEmail.set(f.email, [...(byEmail.get(f.email) ?? []), f.contact_id]);
    }
    const out: string[] = [];
    for (const r of rows) {
      if (r.id) {
        const f = byId.get(r.id);
        if (!f) fail(r.line, `contact ${r.id} does not exist (not created, or not yet known to marketing)`);
        else if (f.merged_into) out.push(f.merged_into);
        else if (!f.active) fail(r.line, `contact ${r.id} is erased or archived`);
        else out.push(r.id);
      } else {
        const m = byEmail.get(r.email!) ?? [];
        if (m.length === 1) out.push(m[0]);
        else if (!m.length) fail(r.line, `no active contact has the email ${r.email}`);
        else fail(r.line, `${m.length} contacts have the email ${r.email}; use their ids`);
      }
    }
    return out;
  }
}
