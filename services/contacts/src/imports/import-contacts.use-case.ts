import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { CountryCode } from 'libphonenumber-js';
import type { ContactSnapshot } from '@crm/events';
import { ATTRIBUTION_FIELDS, ATTRIBUTION_MAX_LENGTH, type Attribution } from '@crm/shared-kernel';
import { headerKey, mapCsvHeader, newCsvImportCounts, readCsvStream, refuseCsvLine, UnitOfWork, type RequestContext, restoreCsvCell, type Tx } from '@crm/platform';
import { normaliseEmail, normalisePhone } from '@crm/shared-contacts';
import { emitCompaniesUpserted } from '../companies/company.events';
import { canonicalTimeZone, dedupeSocialHandles, dedupeTags, displayNameOf, LIMITS, socialHandleSchema, type Normalised } from '../contacts/contact-input';
import { emitContactsCreated } from '../contacts/contact.events';
import { searchTextOf } from '../contacts/contact.rows';
import { CustomFieldRepository } from '../custom-fields/custom-field.repository';
import { coerceCustomFields, type CustomFieldDefinition } from '../custom-fields/custom-field.values';
import { ADDRESS_CSV_ALIASES, ADDRESS_PARTS, customFieldColumn, nthAddressColumn, numberedColumn, seriesValues, splitList } from './csv-columns';
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
  /** Primary first, in the file's order, each once. */
  emails: Normalised[];
  phones: Normalised[];
  company: string | null;
  tags: string[];
  lifecycleStage: string | null;
  ownerId: string | null;
  timeZone: string | null;
  preferredChannels: string[];
  socialHandles: { network: string; handle: string }[];
  customFields: Record<string, unknown>;
  addresses: Record<string, string | null>[];
  consents: { channel: string; status: 'granted' | 'withdrawn' }[];
  /** Where the contact came from (lead source, UTM, paid keyword); null: none in the file. */
  source: Attribution | null;
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
  /** Batches written at once, each in its own transaction (default IMPORT_WRITERS). */
  writers?: number;
}

/**
 * Two batches in flight: one backend per core of the database while the parser fills the next
 * (bench/README.md, "Issue 11: the import against COPY"). More would only queue on a small machine
 * and hold more connections of the pool (DB_POOL_SIZE) away from requests.
 */
export const IMPORT_WRITERS = 2;

/** The columns the import reads (and the export writes), with the header names other tools use for them. */
export const CONTACT_CSV_ALIASES = {
  id: ['contact id', 'record id'],
  firstName: ['first name', 'firstname', 'given name', 'forename', 'vorname', 'prénom', 'prenom', 'nombre'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'nachname', 'nom', 'apellido'],
  email: ['e-mail', 'email address', 'e-mail address', 'mail', 'primary email', 'work email', 'email 1'],
  phone: ['phone number', 'telephone', 'tel', 'mobile', 'mobile phone', 'phone 1', 'telefon', 'téléphone'],
  // Further emails and phones come as numbered columns (`email 2`, `phone 2`, …: see csv-columns) or, as HubSpot writes them, one list.
  otherEmails: ['additional email addresses', 'other emails', 'other email addresses', 'secondary emails'],
  otherPhones: ['additional phone numbers', 'other phones', 'other phone numbers', 'secondary phones'],
  company: ['company name', 'organization', 'organisation', 'account', 'account name', 'firma', 'société', 'societe'],
  tags: ['labels', 'categories'],
  lifecycleStage: ['lifecycle stage', 'stage', 'lead status'],
  ownerId: ['owner', 'contact owner', 'owner id'],
  timeZone: ['time zone', 'timezone', 'tz'],
  /** Channels separated by `;`, the preferred first. */
  preferredChannels: ['preferred channels', 'preferred channel'],
  /** `network:handle` pairs separated by `;` (`linkedin:ada-lovelace;x:@ada`). */
  socialHandles: ['social handles', 'social profiles', 'social'],
  ...ADDRESS_CSV_ALIASES,
  'consent.email': ['email consent', 'email opt in', 'email opt-in'],
  'consent.sms': ['sms consent', 'sms opt in', 'sms opt-in'],
  'consent.phone': ['phone consent', 'call consent'],
  'consent.post': ['post consent', 'mail consent'],
  'consent.social': ['social consent'],
  // Where the contact came from (Contact.source): the lead source and the UTM parameters of the first touch.
  'source.leadSource': ['lead source', 'original source', 'contact source', 'leadsource'],
  'source.source': ['utm source', 'utm_source'],
  'source.medium': ['utm medium', 'utm_medium'],
  'source.campaign': ['utm campaign', 'utm_campaign'],
  'source.term': ['utm term', 'utm_term'],
  'source.content': ['utm content', 'utm_content'],
  'source.keyword': ['keyword', 'paid keyword', 'utm keyword'],
} as const;
/** The channels a consent column may name (Channel's values). */
export const CONSENT_CHANNELS = ['email', 'sms', 'phone', 'post', 'social'] as const;
const GRANTED = new Set(['granted', 'yes', 'y', 'true', '1', 'opt-in', 'opted in', 'subscribed', 'ja', 'oui']);
const WITHDRAWN = new Set(['withdrawn', 'no', 'n', 'false', '0', 'opt-out', 'opted out', 'unsubscribed', 'revoked', 'nein', 'non']);
/** Read and ignored: the export writes the source id, which means nothing in the target tenant. */
const IGNORED_COLUMNS = ['id', ''];


/**
 * Streams a CSV of contacts into the tenant in batches: one transaction per batch with multi-row
 * inserts (contacts, emails, phones, outbox events), so a bad row is reported and skipped without
 * aborting anything, and a crash loses at most the batches in flight (IMPORT_WRITERS). A malformed line (stray quote,
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
    const writers = Math.max(1, opts.writers ?? IMPORT_WRITERS);
    /** The batches being written, each in its own transaction. */
    const inFlight = new Set<Promise<void>>();
    const write = (rows: ParsedRow[]) => {
      const written: Promise<void> = this.flush(ctx, rows, report, fail, dryRun).finally(() => inFlight.delete(written));
      written.catch(() => undefined); // awaited below (race or allSettled); this only marks it handled meanwhile
      inFlight.add(written);
    };
    try {
      const csv = await readCsvStream(input, { encoding: opts.encoding, delimiter: opts.delimiter });
      if (csv) {
        const defs = await this.uow.run(ctx.tenantId, (tx) => this.customFieldDefs.definitions(tx));
        const columns = this.columnsOf(csv.header, defs, opts.map);
        const widths = seriesWidths(columns);
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
          const parsed = this.parseRow(ctx.tenantId, record, rec.line, defs, widths, opts.defaultCountry);
          if (typeof parsed === 'string') {
            fail(rec.line, parsed);
            continue;
          }
          // Every email and phone of the row, not only the primary ones.
          const dupKey = [...parsed.emails.map((e) => `e:${e.normalized}`), ...parsed.phones.map((p) => `p:${p.normalized}`)];
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
            // Batches are written while the next is parsed, `writers` at a time, each in its own
            // transaction on its own connection: the parser and the database backends use different
            // cores. Concurrent batches cannot conflict with each other: duplicates within the file
            // (emails, phones, import keys) are refused above before a row enters a batch, and
            // companies are created in name order (createMissingCompanies), so two batches wait, never deadlock.
            while (inFlight.size >= writers) await Promise.race(inFlight);
            opts.onProgress?.({ rows: report.rows, created: report.created, skipped: report.skipped, failed: report.failed });
            write(batch);
            batch = [];
          }
        }
      }
      if (batch.length) write(batch);
      // The first failure stops the import (rethrown here); the other batches are let finish below.
      while (inFlight.size) await Promise.race(inFlight);
      opts.onProgress?.({ rows: report.rows, created: report.created, skipped: report.skipped, failed: report.failed });
      // A batch's refusals (held email, unknown owner) arrive when it is written, after later lines'
      // parse errors and in whichever order concurrent batches finish: the report lists them by line.
      report.errors.sort((a, b) => a.row - b.row);
      await this.finish(ctx, report, 'completed');
    } catch (err) {
      // The job's record is written once nothing is being written any more.
      await Promise.allSettled(inFlight);
      fail(report.rows, `import stopped: ${(err as Error).message}`);
      await this.finish(ctx, report, 'failed');
    }
    return report;
  }

  /** The field each column fills; a header the import cannot place stops it before any row is read. */
  private columnsOf(header: string[], defs: Map<string, CustomFieldDefinition>, map?: Record<string, string>): (string | null)[] {
    const customField = customFieldColumn(defs);
    // `email 2`, `address 2.city`… (numbered series), else a custom field.
    const columns = mapCsvHeader(header, CONTACT_CSV_ALIASES, { map, dynamic: (reduced) => numberedColumn(reduced) ?? customField(reduced) });
    const unknown = header.filter((_, i) => columns[i] === null || (columns[i] !== '' && !this.knownColumn(columns[i]!)));
    if (unknown.length) {
      throw new Error(
        `unknown CSV column(s): ${unknown.join(', ')} (expected some of ${Object.keys(CONTACT_CSV_ALIASES).join(', ')}, email 2…, phone 2…, address 2.<part>…, cf.<custom field key>; or map them with --map "Header=column")`,
      );
    }
    const twice = columns.filter((c, i) => c && columns.indexOf(c) !== i);
    if (twice.length) throw new Error(`several CSV columns map to ${[...new Set(twice)].join(', ')}; map the extra ones to '' to ignore them`);
    return columns;
  }

  private knownColumn(c: string): boolean {
    return c in CONTACT_CSV_ALIASES || c.startsWith('cf.') || numberedColumn(headerKey(c)) === c;
  }

  private parseRow(tenantId: string, r: Record<string, string>, line: number, defs: Map<string, CustomFieldDefinition>, widths: SeriesWidths, country?: string): ParsedRow | string {
    // A cell our export neutralised against spreadsheet formulas ('=…) reads back as written.
    const get = (k: string) => restoreCsvCell((r[k] ?? '').trim()) || null;
    for (const k of ['firstName', 'lastName', 'company']) if ((get(k)?.length ?? 0) > LIMITS.name) return `${k} is longer than ${LIMITS.name} characters`;
    // `email`, `email 2`, … then the `otherEmails` list: the first is the primary; the same one twice is kept once.
    const points = (series: 'email' | 'phone', list: 'otherEmails' | 'otherPhones', normalise: (v: string) => string | null, max: number): Normalised[] | string => {
      const out: Normalised[] = [];
      for (const { column, value } of [...seriesValues(get, series, widths[series]), ...splitList(get(list)).map((value) => ({ column: list, value }))]) {
        const normalized = normalise(value);
        if (!normalized) return `invalid ${column} "${value.slice(0, series === 'email' ? 80 : 40)}"`;
        if (!out.some((o) => o.normalized === normalized)) out.push({ raw: value, normalized });
      }
      return out.length > max ? `more than ${max} ${series}s` : out;
    };
    const emails = points('email', 'otherEmails', normaliseEmail, LIMITS.emails);
    if (typeof emails === 'string') return emails;
    const phones = points('phone', 'otherPhones', (v) => normalisePhone(v, (country?.toUpperCase() as CountryCode | undefined) ?? 'US'), LIMITS.phones);
    if (typeof phones === 'string') return phones;
    if (!get('firstName') && !get('lastName') && !emails.length && !phones.length) return 'row has no name, email or phone';
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
    const addresses: Record<string, string | null>[] = [];
    for (let n = 1; n <= widths.address; n++) {
      const address = Object.fromEntries(ADDRESS_PARTS.map((p) => [p, get(nthAddressColumn(n, p))])) as Record<string, string | null>;
      if (Object.values(address).some((v) => (v?.length ?? 0) > LIMITS.text)) return `an address part is longer than ${LIMITS.text} characters`;
      if (Object.values(address).some((v) => v !== null)) addresses.push(address);
    }
    const tzCell = get('timeZone');
    const timeZone = tzCell === null ? null : (canonicalTimeZone(tzCell) ?? null);
    if (tzCell !== null && !timeZone) return `timeZone "${tzCell.slice(0, 64)}" is not an IANA time zone (e.g. Europe/Paris)`;
    const preferredChannels = [...new Set(splitList(get('preferredChannels')).map((c) => c.toLowerCase()))];
    const notChannel = preferredChannels.find((c) => !(CONSENT_CHANNELS as readonly string[]).includes(c));
    if (notChannel) return `preferredChannels: "${notChannel.slice(0, 40)}" is not one of ${CONSENT_CHANNELS.join(', ')}`;
    const socialHandles: { network: string; handle: string }[] = [];
    for (const pair of splitList(get('socialHandles'))) {
      const at = pair.indexOf(':');
      const handle = socialHandleSchema.safeParse({ network: at > 0 ? pair.slice(0, at) : '', handle: at > 0 ? pair.slice(at + 1) : pair });
      if (!handle.success) return `socialHandles: "${pair.slice(0, 80)}" is not network:handle (${handle.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join('; ')})`;
      socialHandles.push(handle.data);
    }
    if (socialHandles.length > LIMITS.socialHandles) return `more than ${LIMITS.socialHandles} socialHandles`;
    // Consent columns hold the decision (granted / withdrawn, or yes / no…); recorded with source "import".
    const consents: ParsedRow['consents'] = [];
    for (const channel of CONSENT_CHANNELS) {
      const v = get(`consent.${channel}`)?.toLowerCase();
      if (!v) continue;
      if (GRANTED.has(v)) consents.push({ channel, status: 'granted' });
      else if (WITHDRAWN.has(v)) consents.push({ channel, status: 'withdrawn' });
      else return `consent.${channel} must be granted or withdrawn`;
    }
    const attribution = Object.fromEntries(ATTRIBUTION_FIELDS.map((f) => [f, get(`source.${f}`)])) as Attribution;
    const tooLong = ATTRIBUTION_FIELDS.find((f) => (attribution[f]?.length ?? 0) > ATTRIBUTION_MAX_LENGTH);
    if (tooLong) return `source.${tooLong} is longer than ${ATTRIBUTION_MAX_LENGTH} characters`;
    const source = Object.values(attribution).some((v) => v !== null) ? attribution : null;
    const row = {
      firstName: get('firstName'), lastName: get('lastName'), email: emails[0]?.normalized ?? null, phone: phones[0]?.normalized ?? null, company: get('company'), tags,
      lifecycleStage: get('lifecycleStage'), ownerId: get('ownerId'),
      // Only when present, so rows of files imported before these columns existed keep their key.
      ...(emails.length > 1 ? { otherEmails: emails.slice(1).map((e) => e.normalized) } : {}),
      ...(phones.length > 1 ? { otherPhones: phones.slice(1).map((p) => p.normalized) } : {}),
      ...(cfValues.length ? { customFields } : {}),
      ...(addresses.length ? { addresses } : {}),
      ...(consents.length ? { consents } : {}),
      ...(timeZone ? { timeZone } : {}),
      ...(preferredChannels.length ? { preferredChannels } : {}),
      ...(socialHandles.length ? { socialHandles } : {}),
      ...(source ? { source } : {}),
    };
    const importKey = createHash('sha256').update(tenantId).update('\0').update(JSON.stringify(row)).digest('base64url');
    return {
      line, importKey, firstName: row.firstName, lastName: row.lastName, emails, phones, company: row.company, tags,
      lifecycleStage: row.lifecycleStage, ownerId: row.ownerId, timeZone, preferredChannels, socialHandles: dedupeSocialHandles(socialHandles), customFields, addresses, consents, source,
    };
  }

  private async flush(ctx: RequestContext, rows: ParsedRow[], report: ImportReport, fail: (row: number, msg: string) => void, dryRun: boolean): Promise<void> {
    await this.uow.run(ctx.tenantId, (tx) => this.write(ctx, tx, rows, report, fail), { rollback: dryRun });
  }

  private async write(ctx: RequestContext, tx: Tx, rows: ParsedRow[], report: ImportReport, fail: (row: number, msg: string) => void): Promise<void> {
    // Rows of an earlier run of the same file: skipped, not errors.
    const already = await this.imports.importedKeys(tx, rows.map((r) => r.importKey));
    const fresh = rows.filter((r) => !already.has(r.importKey));
    report.skipped += rows.length - fresh.length;
    const taken = await this.imports.holders(tx, fresh.flatMap((r) => r.emails.map((e) => e.normalized)), fresh.flatMap((r) => r.phones.map((p) => p.normalized)));
    // One set-based look-up of the batch's distinct owners: an unknown or deactivated one fails its rows, not the file.
    const badOwners = await this.owners.rejected(tx, fresh.map((r) => r.ownerId));
    const accepted: ParsedRow[] = [];
    for (const r of fresh) {
      // Any of the row's emails or phones held by an existing contact makes the row a duplicate of it.
      const held = [...r.emails.map((e) => `e:${e.normalized}`), ...r.phones.map((p) => `p:${p.normalized}`)].find((k) => taken.has(k));
      if (r.ownerId && badOwners.has(r.ownerId)) fail(r.line, `ownerId: ${badOwners.get(r.ownerId)}`);
      else if (held) fail(r.line, `duplicate of existing contact ${taken.get(held)} (same ${held.startsWith('e:') ? 'email' : 'phone'})`);
      else accepted.push(r);
    }
    if (!accepted.length) return;
    const companies = await this.companies(tx, accepted);
    const ids = accepted.map(() => randomUUID());
    const display = accepted.map((r) => displayNameOf(r, r.emails[0]?.raw, r.phones[0]?.normalized));
    // One time for the consents' rows and the events' snapshots, so both say the same.
    const recordedAt = new Date().toISOString();
    await this.imports.insertContacts(
      tx,
      ctx.userId,
      accepted.map((r, i) => ({
        id: ids[i], firstName: r.firstName, lastName: r.lastName, displayName: display[i],
        companyId: r.company ? (companies.get(r.company.toLowerCase())?.id ?? null) : null,
        ownerId: r.ownerId, lifecycleStage: r.lifecycleStage, tags: r.tags, timeZone: r.timeZone, preferredChannels: r.preferredChannels, socialHandles: r.socialHandles, importKey: r.importKey, customFields: r.customFields, addresses: r.addresses, consents: r.consents, source: r.source,
        searchText: searchTextOf({ firstName: r.firstName, lastName: r.lastName, displayName: display[i], emails: r.emails.map((e) => e.normalized), phones: r.phones.map((p) => p.normalized), companyName: r.company }),
        emails: r.emails,
        phones: r.phones,
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
    emails: r.emails.map((e, i) => ({ email: e.normalized, primary: i === 0 })), phones: r.phones.map((p, i) => ({ phone: p.normalized, primary: i === 0 })),
    companyId: company?.id ?? null, companyName: company?.name ?? null, tags: r.tags,
    ownerId: r.ownerId ?? userId, lifecycleStage: r.lifecycleStage, preferredChannels: r.preferredChannels as ContactSnapshot['preferredChannels'],
    consents: r.consents.map((c) => ({ channel: c.channel as ContactSnapshot['consents'][number]['channel'], status: c.status, legalBasis: null, recordedAt })),
    addresses: r.addresses.map((a, i) => ({
      label: a.label ?? null, line1: a.line1 ?? null, line2: a.line2 ?? null, city: a.city ?? null, region: a.region ?? null,
      postalCode: a.postalCode ?? null, country: a.country ? a.country.toUpperCase() : null, primary: i === 0,
    })),
    socialHandles: r.socialHandles,
    country: r.addresses[0]?.country ? r.addresses[0].country.toUpperCase() : null,
    timeZone: r.timeZone,
    customFields: r.customFields as Record<string, string | number | boolean | null>,
    // insertContacts writes this same time as created_at.
    createdAt: recordedAt,
  };
}

/** How many numbered columns of each series the file has (`email 3` → 3); the first is always read. */
type SeriesWidths = Record<'email' | 'phone' | 'address', number>;

function seriesWidths(columns: (string | null)[]): SeriesWidths {
  const widths: SeriesWidths = { email: 1, phone: 1, address: 1 };
  for (const c of columns) {
    const m = c && /^(email|phone|address) (\d+)\b/.exec(c);
    if (m) widths[m[1] as keyof SeriesWidths] = Math.max(widths[m[1] as keyof SeriesWidths], Number(m[2]));
  }
  return widths;
}
