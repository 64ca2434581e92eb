import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { CountryCode } from 'libphonenumber-js';
import type { ContactSnapshot } from '@crm/events';
import { headerKey, mapCsvHeader, newCsvImportCounts, readCsvStream, refuseCsvLine, UnitOfWork, type RequestContext, restoreCsvCell, type Tx } from '@crm/platform';
import { normaliseEmail, normalisePhone } from '@crm/shared-contacts';
import { emitCompaniesUpserted } from '../companies/company.events';
import { dedupeTags, displayNameOf, LIMITS } from '../contacts/contact-input';
import { emitContactsCreated } from '../contacts/contact.events';
import { searchTextOf } from '../contacts/contact.rows';
import { CustomFieldRepository } from '../custom-fields/custom-field.repository';
import { coerceCustomFields, type CustomFieldDefinition } from '../custom-fields/custom-field.values';
import { ImportRepository } from './import.repository';
import { OwnerRule } from '../directory/owner-rule';

export interface ImportProgress {
  rows: number;
  created: number;
  skipped: number;
  failed: number;
}

export interface ImportReport extends ImportProgress {
  jobId: string;
  /** Nothing was written: the counts say what the import would do. */
  dryRun: boolean;
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
  customFields: Record<string, unknown>;
  addresses: Record<string, string | null>[];
  consents: { channel: string; status: 'granted' | 'withdrawn' }[];
}

export interface ImportOptions {
  fileName?: string;
  batchSize?: number;
  defaultCountry?: string;
  /** Header name → column (`email`, `address.city`, `cf.<key>`, or '' to ignore the column). */
  map?: Record<string, string>;
  /** Checks every row, duplicates included, and rolls everything back: the report says what would happen. */
  dryRun?: boolean;
  /** Overrides the detection (BOM, else UTF-8 when valid, else Windows-1252). */
  encoding?: string;
  delimiter?: string;
  onProgress?: (p: ImportProgress) => void;
}

/** The columns the import reads (and the export writes), with the header names other tools use for them. */
export const CONTACT_CSV_ALIASES = {
  id: ['contact id', 'record id'],
  firstName: ['first name', 'firstname', 'given name', 'forename', 'vorname', 'prénom', 'prenom', 'nombre'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'nachname', 'nom', 'apellido'],
  email: ['e-mail', 'email address', 'e-mail address', 'mail', 'primary email', 'work email', 'email 1'],
  phone: ['phone number', 'telephone', 'tel', 'mobile', 'mobile phone', 'phone 1', 'telefon', 'téléphone'],
  company: ['company name', 'organization', 'organisation', 'account', 'account name', 'firma', 'société', 'societe'],
  tags: ['labels', 'categories'],
  lifecycleStage: ['lifecycle stage', 'stage', 'lead status'],
  ownerId: ['owner', 'contact owner', 'owner id'],
  'address.label': ['address label'],
  'address.line1': ['street', 'address', 'address line 1', 'street address', 'mailing street'],
  'address.line2': ['address line 2'],
  'address.city': ['city', 'town', 'mailing city', 'ort', 'ville'],
  'address.region': ['region', 'state', 'province', 'state/region', 'mailing state'],
  'address.postalCode': ['postal code', 'zip', 'zip code', 'postcode', 'plz', 'mailing zip'],
  'address.country': ['country', 'country code', 'mailing country', 'land', 'pays'],
  'consent.email': ['email consent', 'email opt in', 'email opt-in'],
  'consent.sms': ['sms consent', 'sms opt in', 'sms opt-in'],
  'consent.phone': ['phone consent', 'call consent'],
  'consent.post': ['post consent', 'mail consent'],
  'consent.social': ['social consent'],
} as const;
/** The channels a consent column may name (Channel's values). */
export const CONSENT_CHANNELS = ['email', 'sms', 'phone', 'post', 'social'] as const;
const GRANTED = new Set(['granted', 'yes', 'y', 'true', '1', 'opt-in', 'opted in', 'subscribed', 'ja', 'oui']);
const WITHDRAWN = new Set(['withdrawn', 'no', 'n', 'false', '0', 'opt-out', 'opted out', 'unsubscribed', 'revoked', 'nein', 'non']);
export const ADDRESS_PARTS = ['label', 'line1', 'line2', 'city', 'region', 'postalCode', 'country'] as const;
/** Read and ignored: the export writes the source id, which means nothing in the target tenant. */
const IGNORED_COLUMNS = ['id', ''];


/**
 * Streams a CSV of contacts into the tenant in batches: one transaction per batch with multi-row
 * inserts (contacts, emails, phones, outbox events), so a bad row is reported and skipped without
 * aborting anything, and a crash loses at most the batch in flight. A malformed line (stray quote,
 * wrong column count) is reported with its line number and skipped by readCsv. Re-running the same
 * file is a no-op: each row has a content key (`import_key`), already-imported rows are counted as skipped.
 */
@Injectable()
export class ImportContactsUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly imports: ImportRepository,
    private readonly customFieldDefs: CustomFieldRepository,
    private readonly owners: OwnerRule,
  ) {}

  async run(ctx: RequestContext, input: Readable | AsyncIterable<Buffer | string>, opts: ImportOptions = {}): Promise<ImportReport> {
    const jobId = randomUUID();
    const batchSize = opts.batchSize ?? 2000;
    const dryRun = opts.dryRun ?? false;
    const report: ImportReport = { jobId, ...newCsvImportCounts(dryRun) };
    const fail = (row: number, message: string) => refuseCsvLine(report, row, message);
    if (!dryRun) await this.uow.run(ctx.tenantId, (tx) => this.imports.startJob(tx, jobId, opts.fileName ?? null));
    /** Emails, phones and whole-row keys of the accepted rows so far → their line. */
    const seenInFile = new Map<string, number>();
    let batch: ParsedRow[] = [];
    let inFlight: Promise<void> = Promise.resolve();
    try {
      const csv = await readCsvStream(input, { encoding: opts.encoding, delimiter: opts.delimiter });
      if (csv) {
        const defs = await this.uow.run(ctx.tenantId, (tx) => this.customFieldDefs.definitions(tx));
        const columns = this.columnsOf(csv.header, defs, opts.map);
        for await (const rec of csv.records) {
          report.rows += 1;
          if (rec.error !== undefined) {
            fail(rec.line, rec.error);
            continue;
          }
          const record: Record<string, string> = {};
          columns.forEach((c, i) => {
            if (c && !IGNORED_COLUMNS.includes(c)) record[c] = rec.fields[i];
          });
          const parsed = this.parseRow(ctx.tenantId, record, rec.line, defs, opts.defaultCountry);
          if (typeof parsed === 'string') {
            fail(rec.line, parsed);
            continue;
          }
          const dupKey = [parsed.email && `e:${parsed.email}`, parsed.phone && `p:${parsed.phone}`].filter(Boolean) as string[];
          const seen = dupKey.find((k) => seenInFile.has(k));
          if (seen) {
            // No values in the message: job reports are kept and must not hold personal data.
            fail(rec.line, `duplicate of an earlier row in this file (same ${seen.startsWith('e:') ? 'email' : 'phone'})`);
            continue;
          }
          // Identical rows share the import key (unique per tenant): without email/phone they are caught here.
          const sameRow = seenInFile.get(`k:${parsed.importKey}`);
          if (sameRow !== undefined) {
            fail(rec.line, `duplicate of an earlier row in this file (same values as line ${sameRow})`);
            continue;
          }
          [...dupKey, `k:${parsed.importKey}`].forEach((k) => seenInFile.set(k, rec.line));
          batch.push(parsed);
          if (batch.length >= batchSize) {
            // One batch is written while the next is parsed (the database and the parser use different
            // cores); batches still commit one after the other, so duplicates across batches are seen.
            await inFlight;
            opts.onProgress?.({ rows: report.rows, created: report.created, skipped: report.skipped, failed: report.failed });
            inFlight = this.flush(ctx, batch, report, fail, dryRun);
            inFlight.catch(() => undefined); // awaited above or below; this only marks it handled meanwhile
            batch = [];
          }
        }
      }
      await inFlight;
      if (batch.length) await this.flush(ctx, batch, report, fail, dryRun);
      opts.onProgress?.({ rows: report.rows, created: report.created, skipped: report.skipped, failed: report.failed });
      await this.finish(ctx, report, 'completed');
    } catch (err) {
      fail(report.rows, `import stopped: ${(err as Error).message}`);
      await this.finish(ctx, report, 'failed');
    }
    return report;
  }

  /** The field each column fills; a header the import cannot place stops it before any row is read. */
  private columnsOf(header: string[], defs: Map<string, CustomFieldDefinition>, map?: Record<string, string>): (string | null)[] {
    const byReduced = new Map([...defs.keys()].map((k) => [headerKey(k), k]));
    const columns = mapCsvHeader(header, CONTACT_CSV_ALIASES, {
      map,
      // `cf.<key>` names a custom field; so does a column named exactly like a defined custom field.
      dynamic: (reduced) => {
        const key = reduced.startsWith('cf.') ? reduced.slice(3) : reduced;
        const def = byReduced.get(key);
        return def ? `cf.${def}` : null;
      },
    });
    const unknown = header.filter((_, i) => columns[i] === null || (columns[i] !== '' && !this.knownColumn(columns[i]!)));
    if (unknown.length) {
      throw new Error(
        `unknown CSV column(s): ${unknown.join(', ')} (expected some of ${Object.keys(CONTACT_CSV_ALIASES).join(', ')}, cf.<custom field key>; or map them with --map "Header=column")`,
      );
    }
    const twice = columns.filter((c, i) => c && columns.indexOf(c) !== i);
    if (twice.length) throw new Error(`several CSV columns map to ${[...new Set(twice)].join(', ')}; map the extra ones to '' to ignore them`);
    return columns;
  }

  private knownColumn(c: string): boolean {
    return c in CONTACT_CSV_ALIASES || c.startsWith('cf.');
  }

  private parseRow(tenantId: string, r: Record<string, string>, line: number, defs: Map<string, CustomFieldDefinition>, country?: string): ParsedRow | string {
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
    const cfValues = Object.keys(r)
      .filter((k) => k.startsWith('cf.') && get(k) !== null)
      .map((k) => ({ key: k.slice(3), value: get(k)! }));
    let customFields: Record<string, unknown> = {};
    try {
      customFields = cfValues.length ? coerceCustomFields(defs, cfValues) : {};
    } catch (err) {
      return (err as Error).message;
    }
    const address = Object.fromEntries(ADDRESS_PARTS.map((p) => [p, get(`address.${p}`)])) as Record<string, string | null>;
    if (Object.values(address).some((v) => (v?.length ?? 0) > LIMITS.text)) return `an address part is longer than ${LIMITS.text} characters`;
    const addresses = Object.values(address).some((v) => v !== null) ? [address] : [];
    // Consent columns hold the decision (granted / withdrawn, or yes / no…); recorded with source "import".
    const consents: ParsedRow['consents'] = [];
    for (const channel of CONSENT_CHANNELS) {
      const v = get(`consent.${channel}`)?.toLowerCase();
      if (!v) continue;
      if (GRANTED.has(v)) consents.push({ channel, status: 'granted' });
      else if (WITHDRAWN.has(v)) consents.push({ channel, status: 'withdrawn' });
      else return `consent.${channel} must be granted or withdrawn`;
    }
    const row = {
      firstName: get('firstName'), lastName: get('lastName'), email, phone, company: get('company'), tags,
      lifecycleStage: get('lifecycleStage'), ownerId: get('ownerId'),
      // Only when present, so rows of files imported before these columns existed keep their key.
      ...(cfValues.length ? { customFields } : {}),
      ...(addresses.length ? { addresses } : {}),
      ...(consents.length ? { consents } : {}),
    };
    const importKey = createHash('sha256').update(tenantId).update('\0').update(JSON.stringify(row)).digest('base64url');
    return { line, importKey, emailRaw, phoneRaw, ...row, customFields, addresses, consents };
  }

  private async flush(ctx: RequestContext, rows: ParsedRow[], report: ImportReport, fail: (row: number, msg: string) => void, dryRun: boolean): Promise<void> {
    await this.uow.run(ctx.tenantId, (tx) => this.write(ctx, tx, rows, report, fail), { rollback: dryRun });
  }

  private async write(ctx: RequestContext, tx: Tx, rows: ParsedRow[], report: ImportReport, fail: (row: number, msg: string) => void): Promise<void> {
    // Rows of an earlier run of the same file: skipped, not errors.
    const already = await this.imports.importedKeys(tx, rows.map((r) => r.importKey));
    const fresh = rows.filter((r) => !already.has(r.importKey));
    report.skipped += rows.length - fresh.length;
    const taken = await this.imports.holders(tx, fresh.map((r) => r.email).filter((e): e is string => !!e), fresh.map((r) => r.phone).filter((p): p is string => !!p));
    // One set-based look-up of the batch's distinct owners: an unknown or deactivated one fails its rows, not the file.
    const badOwners = await this.owners.rejected(tx, fresh.map((r) => r.ownerId));
    const accepted: ParsedRow[] = [];
    for (const r of fresh) {
      const owner = (r.email && taken.get(`e:${r.email}`)) || (r.phone && taken.get(`p:${r.phone}`));
      if (r.ownerId && badOwners.has(r.ownerId)) fail(r.line, `ownerId: ${badOwners.get(r.ownerId)}`);
      else if (owner) fail(r.line, `duplicate of existing contact ${owner} (same ${r.email && taken.has(`e:${r.email}`) ? 'email' : 'phone'})`);
      else accepted.push(r);
    }
    if (!accepted.length) return;
    const companies = await this.companies(tx, accepted);
    const ids = accepted.map(() => randomUUID());
    const display = accepted.map((r) => displayNameOf(r, r.emailRaw, r.phone));
    // One time for the consents' rows and the events' snapshots, so both say the same.
    const recordedAt = new Date().toISOString();
    await this.imports.insertContacts(
      tx,
      ctx.userId,
      accepted.map((r, i) => ({
        id: ids[i], firstName: r.firstName, lastName: r.lastName, displayName: display[i],
        companyId: r.company ? (companies.get(r.company.toLowerCase())?.id ?? null) : null,
        ownerId: r.ownerId, lifecycleStage: r.lifecycleStage, tags: r.tags, importKey: r.importKey, customFields: r.customFields, addresses: r.addresses, consents: r.consents,
        searchText: searchTextOf({ firstName: r.firstName, lastName: r.lastName, displayName: display[i], emails: r.email ? [r.email] : [], phones: r.phone ? [r.phone] : [], companyName: r.company }),
        email: r.email ? { normalized: r.email, raw: r.emailRaw ?? r.email } : null,
        phone: r.phone ? { normalized: r.phone, raw: r.phoneRaw ?? r.phone } : null,
      })),
      recordedAt,
    );
    await emitContactsCreated(tx, accepted.map((r, i) => ({ subject: ids[i], data: snapshotOf(ids[i], r, display[i], companies, ctx.userId, recordedAt) })));
    report.created += accepted.length;
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
    if (report.dryRun) return;
    await this.uow.run(ctx.tenantId, (tx) => this.imports.finishJob(tx, report.jobId, status, report));
  }
}

function snapshotOf(id: string, r: ParsedRow, displayName: string, companies: Map<string, { id: string; name: string }>, userId: string, recordedAt: string): ContactSnapshot {
  const company = r.company ? companies.get(r.company.toLowerCase()) : undefined;
  return {
    contactId: id, version: 1, firstName: r.firstName, lastName: r.lastName, displayName,
    emails: r.email ? [{ email: r.email, primary: true }] : [], phones: r.phone ? [{ phone: r.phone, primary: true }] : [],
    companyId: company?.id ?? null, companyName: company?.name ?? null, tags: r.tags,
    ownerId: r.ownerId ?? userId, lifecycleStage: r.lifecycleStage, preferredChannels: [],
    consents: r.consents.map((c) => ({ channel: c.channel as ContactSnapshot['consents'][number]['channel'], status: c.status, legalBasis: null, recordedAt })),
    addresses: r.addresses.map((a, i) => ({
      label: a.label ?? null, line1: a.line1 ?? null, line2: a.line2 ?? null, city: a.city ?? null, region: a.region ?? null,
      postalCode: a.postalCode ?? null, country: a.country ? a.country.toUpperCase() : null, primary: i === 0,
    })),
    socialHandles: [],
    country: r.addresses[0]?.country ? r.addresses[0].country.toUpperCase() : null,
    timeZone: null,
    customFields: r.customFields as Record<string, string | number | boolean | null>,
    // insertContacts writes this same time as created_at.
    createdAt: recordedAt,
  };
}
