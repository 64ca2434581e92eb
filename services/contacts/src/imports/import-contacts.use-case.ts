import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { parse } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js';
import type { ContactSnapshot } from '@crm/events';
import { UnitOfWork, type RequestContext, restoreCsvCell, type Tx } from '@crm/platform';
import { normaliseEmail, normalisePhone } from '@crm/shared-contacts';
import { emitCompaniesUpserted } from '../companies/company.events';
import { dedupeTags, displayNameOf, LIMITS } from '../contacts/contact-input';
import { emitContactsCreated } from '../contacts/contact.events';
import { searchTextOf } from '../contacts/contact.rows';
import { ImportRepository } from './import.repository';

export interface ImportProgress {
  rows: number;
  created: number;
  skipped: number;
  failed: number;
}

export interface ImportReport extends ImportProgress {
  jobId: string;
  errors: { row: number; message: string }[];
}

interface ParsedRow {
  line: number;
  importKey: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  emailRaw: string | null;
  phone: string | null;
  phoneRaw: string | null;
  company: string | null;
  tags: string[];
  lifecycleStage: string | null;
  ownerId: string | null;
}

const KNOWN_COLUMNS = ['firstName', 'lastName', 'email', 'phone', 'company', 'tags', 'lifecycleStage', 'ownerId'];
/** Read and ignored: exportContactsCsv writes the source id, which means nothing in the target tenant. */
const IGNORED_COLUMNS = ['id'];
const MAX_REPORTED_ERRORS = 1000;

/**
 * Streams a CSV of contacts into the tenant in batches: one transaction per batch with multi-row
 * inserts (contacts, emails, phones, outbox events), so a bad row is reported and skipped without
 * aborting anything, and a crash loses at most the batch in flight. Re-running the same file is a
 * no-op: each row has a content key (`import_key`), already-imported rows are counted as skipped.
 */
@Injectable()
export class ImportContactsUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly imports: ImportRepository,
  ) {}

  async run(
    ctx: RequestContext,
    input: Readable,
    opts: { fileName?: string; batchSize?: number; defaultCountry?: string; onProgress?: (p: ImportProgress) => void } = {},
  ): Promise<ImportReport> {
    const jobId = randomUUID();
    const batchSize = opts.batchSize ?? 2000;
    const report: ImportReport = { jobId, rows: 0, created: 0, skipped: 0, failed: 0, errors: [] };
    const fail = (row: number, message: string) => {
      report.failed += 1;
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ row, message });
    };
    await this.uow.run(ctx.tenantId, (tx) => this.imports.startJob(tx, jobId, opts.fileName ?? null));
    const parser = input.pipe(parse({ columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: true, relax_column_count: true, bom: true, info: true }));
    /** Emails, phones and whole-row keys of the accepted rows so far → their line. */
    const seenInFile = new Map<string, number>();
    let batch: ParsedRow[] = [];
    let inFlight: Promise<void> = Promise.resolve();
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
        report.rows += 1;
        if (report.rows === 1) {
          const unknown = Object.keys(record).filter((c) => !KNOWN_COLUMNS.includes(c) && !IGNORED_COLUMNS.includes(c));
          if (unknown.length) throw new Error(`unknown CSV column(s): ${unknown.join(', ')} (expected some of ${KNOWN_COLUMNS.join(', ')})`);
        }
        const parsed = this.parseRow(ctx.tenantId, record, info.lines, opts.defaultCountry);
        if (typeof parsed === 'string') {
          fail(info.lines, parsed);
          continue;
        }
        const dupKey = [parsed.email && `e:${parsed.email}`, parsed.phone && `p:${parsed.phone}`].filter(Boolean) as string[];
        const seen = dupKey.find((k) => seenInFile.has(k));
        if (seen) {
          // No values in the message: job reports are kept and must not hold personal data.
          fail(info.lines, `duplicate of an earlier row in this file (same ${seen.startsWith('e:') ? 'email' : 'phone'})`);
          continue;
        }
        // Identical rows share the import key (unique per tenant): without email/phone they are caught here.
        const sameRow = seenInFile.get(`k:${parsed.importKey}`);
        if (sameRow !== undefined) {
          fail(info.lines, `duplicate of an earlier row in this file (same values as line ${sameRow})`);
          continue;
        }
        [...dupKey, `k:${parsed.importKey}`].forEach((k) => seenInFile.set(k, info.lines));
        batch.push(parsed);
        if (batch.length >= batchSize) {
          // One batch is written while the next is parsed (the database and the parser use different
          // cores); batches still commit one after the other, so duplicates across batches are seen.
          await inFlight;
          opts.onProgress?.({ rows: report.rows, created: report.created, skipped: report.skipped, failed: report.failed });
          inFlight = this.flush(ctx, batch, report, fail);
          inFlight.catch(() => undefined); // awaited above or below; this only marks it handled meanwhile
          batch = [];
        }
      }
      await inFlight;
      if (batch.length) await this.flush(ctx, batch, report, fail);
      opts.onProgress?.({ rows: report.rows, created: report.created, skipped: report.skipped, failed: report.failed });
      await this.finish(ctx, report, 'completed');
    } catch (err) {
      fail(report.rows, `import stopped: ${(err as Error).message}`);
      await this.finish(ctx, report, 'failed');
    }
    return report;
  }

  private parseRow(tenantId: string, r: Record<string, string>, line: number, country?: string): ParsedRow | string {
    // A cell our export neutralised against spreadsheet formulas ('=…) reads back as written.
    const get = (k: string) => restoreCsvCell((r[k] ?? '').trim()) || null;
    for (const k of ['firstName', 'lastName', 'company']) if ((get(k)?.length ?? 0) > LIMITS.name) return `${k} is longer than ${LIMITS.name} characters`;
    const emailRaw = get('email');
    const phoneRaw = get('phone');
    const email = emailRaw ? normaliseEmail(emailRaw) : null;
    if (emailRaw && !email) return `invalid email "${emailRaw.slice(0, 80)}"`;
    const phone = phoneRaw ? normalisePhone(phoneRaw, (country?.toUpperCase() as CountryCode | undefined) ?? 'US') : null;
    if (phoneRaw && !phone) return `invalid phone "${phoneRaw.slice(0, 40)}"`;
    if (!get('firstName') && !get('lastName') && !email && !phone) return 'row has no name, email or phone';
    const tags = dedupeTags((get('tags') ?? '').split(/[;|]/));
    if (tags.length > LIMITS.tags || tags.some((t) => t.length > LIMITS.tag)) return `too many or too long tags (max ${LIMITS.tags} of ${LIMITS.tag} characters)`;
    const row = {
      firstName: get('firstName'), lastName: get('lastName'), email, phone, company: get('company'), tags,
      lifecycleStage: get('lifecycleStage'), ownerId: get('ownerId'),
    };
    const importKey = createHash('sha256').update(tenantId).update('\0').update(JSON.stringify(row)).digest('base64url');
    return { line, importKey, emailRaw, phoneRaw, ...row };
  }

  private async flush(ctx: RequestContext, rows: ParsedRow[], report: ImportReport, fail: (row: number, msg: string) => void): Promise<void> {
    await this.uow.run(ctx.tenantId, async (tx) => {
      // Rows of an earlier run of the same file: skipped, not errors.
      const already = await this.imports.importedKeys(tx, rows.map((r) => r.importKey));
      const fresh = rows.filter((r) => !already.has(r.importKey));
      report.skipped += rows.length - fresh.length;
      const taken = await this.imports.holders(tx, fresh.map((r) => r.email).filter((e): e is string => !!e), fresh.map((r) => r.phone).filter((p): p is string => !!p));
      const accepted: ParsedRow[] = [];
      for (const r of fresh) {
        const owner = (r.email && taken.get(`e:${r.email}`)) || (r.phone && taken.get(`p:${r.phone}`));
        if (owner) fail(r.line, `duplicate of existing contact ${owner} (same ${r.email && taken.has(`e:${r.email}`) ? 'email' : 'phone'})`);
        else accepted.push(r);
      }
      if (!accepted.length) return;
      const companies = await this.companies(tx, accepted);
      const ids = accepted.map(() => randomUUID());
      const display = accepted.map((r) => displayNameOf(r, r.emailRaw, r.phone));
      await this.imports.insertContacts(
        tx,
        ctx.userId,
        accepted.map((r, i) => ({
          id: ids[i], firstName: r.firstName, lastName: r.lastName, displayName: display[i],
          companyId: r.company ? (companies.get(r.company.toLowerCase())?.id ?? null) : null,
          ownerId: r.ownerId, lifecycleStage: r.lifecycleStage, tags: r.tags, importKey: r.importKey,
          searchText: searchTextOf({ firstName: r.firstName, lastName: r.lastName, displayName: display[i], emails: r.email ? [r.email] : [], phones: r.phone ? [r.phone] : [], companyName: r.company }),
          email: r.email ? { normalized: r.email, raw: r.emailRaw ?? r.email } : null,
          phone: r.phone ? { normalized: r.phone, raw: r.phoneRaw ?? r.phone } : null,
        })),
      );
      await emitContactsCreated(tx, accepted.map((r, i) => ({ subject: ids[i], data: snapshotOf(ids[i], r, display[i], companies, ctx.userId) })));
      report.created += accepted.length;
    });
  }

  /**
   * Finds or creates the batch's companies by name (case-insensitive): lower-case name → company.
   * Companies it creates are announced like createCompany's (company.upserted), in the same transaction.
   */
  private async companies(tx: Tx, rows: ParsedRow[]): Promise<Map<string, { id: string; name: string }>> {
    const names = [...new Map(rows.filter((r) => r.company).map((r) => [r.company!.toLowerCase(), r.company!])).values()];
    if (!names.length) return new Map();
    await emitCompaniesUpserted(tx, await this.imports.createMissingCompanies(tx, names));
    return new Map((await this.imports.companiesNamed(tx, names)).map((c) => [c.name.toLowerCase(), c]));
  }

  private async finish(ctx: RequestContext, report: ImportReport, status: 'completed' | 'failed') {
    await this.uow.run(ctx.tenantId, (tx) => this.imports.finishJob(tx, report.jobId, status, report));
  }
}

function snapshotOf(id: string, r: ParsedRow, displayName: string, companies: Map<string, { id: string; name: string }>, userId: string): ContactSnapshot {
  const company = r.company ? companies.get(r.company.toLowerCase()) : undefined;
  return {
    contactId: id, version: 1, firstName: r.firstName, lastName: r.lastName, displayName,
    emails: r.email ? [{ email: r.email, primary: true }] : [], phones: r.phone ? [{ phone: r.phone, primary: true }] : [],
    companyId: company?.id ?? null, companyName: company?.name ?? null, tags: r.tags,
    ownerId: r.ownerId ?? userId, lifecycleStage: r.lifecycleStage, preferredChannels: [], consents: [],
  };
}
