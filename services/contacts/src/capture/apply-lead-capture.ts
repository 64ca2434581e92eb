import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { LeadCapture, TimelineEntry } from '@crm/events';
import { LOGGER, type Tx } from '@crm/platform';
import { normaliseEmail, normalisePhone } from '@crm/shared-contacts';
import { ATTRIBUTION_FIELDS } from '@crm/shared-kernel';
import type { CountryCode } from 'libphonenumber-js';
import { emitCompanyUpserted } from '../companies/company.events';
import { LIMITS, dedupeTags, displayNameOf, dropNulls, type Normalised } from '../contacts/contact-input';
import { emitContactCreated, emitContactUpdated } from '../contacts/contact.events';
import { ContactRepository, EMAILS, PHONES, type ConsentDecision, type ContactChanges } from '../contacts/contact.repository';
import { searchTextOf } from '../contacts/contact.rows';
import { LegalBasis } from '../contacts/contact.types';
import { CustomFieldRepository } from '../custom-fields/custom-field.repository';
import { coerceCustomFields, type CustomFieldDefinition } from '../custom-fields/custom-field.values';
import { CaptureRepository } from './capture.repository';

/** Where a capture came from: the event, its module, how its consent records name it, its timeline entry. */
export interface CaptureOrigin {
  eventId: string;
  module: string;
  /** The consent records' `source` (`marketing: form “Webinar sign-up” (submission …)`). */
  source: string;
  /** When the event happened (the timeline entry's time). */
  occurredAt: string;
  /** What the contact's timeline shows; its contactId is replaced by the contact the capture landed on. */
  timeline: Omit<TimelineEntry, 'contactId'> | null;
}

type Applied = { outcome: 'created' | 'updated' | 'unchanged'; contactId: string };
export type CaptureOutcome = Applied | { outcome: 'ignored'; contactId: string | null; reason: 'erased' | 'already-applied' };

/** Who recorded consents of a capture: no user, the capturing module. */
const RECORDED_BY = (module: string) => `module:${module}`;
const LEGAL_BASES: string[] = Object.values(LegalBasis);
/** The lifecycle stage of a contact that a capture creates (HubSpot and Salesforce start a form lead as "lead"). */
const CAPTURED_STAGE = 'lead';

/**
 * Applies a lead capture (libs/events/src/contracts/capture.ts), whichever module captured the person:
 * finds the contact — the proposed id (a merged one's survivor), else the holder of the email, else of
 * the phone (the same normalised-value rule createContact and the import refuse duplicates by) — and
 * fills it in, or creates it under the proposed id. Consents are recorded with their basis and exact
 * wording; the capture's attribution becomes the contact's source only when it has none (first touch
 * wins). A capture is data from the public internet: a bad value is dropped with a log line, never a
 * reason to fail the event (the rest of the capture still counts).
 *
 * Erased contacts are never revived: a capture proposing an erased contact's id is ignored (it raced
 * the erasure); an erased contact's emails and phones are gone, so a later capture with the same
 * address creates a new, unrelated contact from what that person submitted again.
 */
@Injectable()
export class ApplyLeadCapture {
  constructor(
    private readonly contacts: ContactRepository,
    private readonly customFields: CustomFieldRepository,
    private readonly captures: CaptureRepository,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async apply(tx: Tx, capture: LeadCapture, origin: CaptureOrigin): Promise<CaptureOutcome> {
    const log = this.log.child({ eventId: origin.eventId, tenantId: tx.tenantId, capture: capture.contactId });
    if (await this.captures.applied(tx, origin.eventId)) return { outcome: 'ignored', contactId: null, reason: 'already-applied' };
    const c = this.clean(capture, log);
    let target = await this.contacts.lockCurrent(tx, capture.contactId.toLowerCase());
    if (target?.erased_at) {
      log.info({ contactId: target.id }, 'lead capture for an erased contact ignored: erased data is never revived');
      return { outcome: 'ignored', contactId: target.id, reason: 'erased' };
    }
    if (!target && (c.email || c.phone)) {
      const hits = await this.contacts.holdersOf(tx, c.email ? [c.email.normalized] : [], c.phone ? [c.phone.normalized] : []);
      const hit = hits.find((h) => h.kind === 'email') ?? hits.find((h) => h.kind === 'phone');
      // Holders are live or archived: erasure deletes a contact's emails and phones, a merge moves them to the survivor.
      if (hit) target = await this.contacts.lockCurrent(tx, hit.contact_id);
    }
    const defs = Object.keys(capture.customFields).length ? await this.customFields.definitions(tx) : new Map<string, CustomFieldDefinition>();
    const custom = customValues(defs, capture.customFields, log);
    const consents = consentDecisions(capture, origin, log);
    const outcome = target ? await this.update(tx, target.id, c, custom, consents) : await this.create(tx, capture.contactId.toLowerCase(), c, custom, consents);
    if (origin.timeline) {
      await this.captures.appendTimeline(tx, { contactId: outcome.contactId, kind: origin.timeline.kind, summary: origin.timeline.summary, occurredAt: origin.occurredAt, module: origin.module, eventId: origin.eventId });
    }
    log.info({ contactId: outcome.contactId, outcome: outcome.outcome }, 'lead capture applied');
    return outcome;
  }

  private async create(tx: Tx, id: string, c: Cleaned, custom: Record<string, unknown>, consents: CaptureConsent[]): Promise<Applied> {
    const company = c.companyName ? await this.company(tx, c.companyName) : null;
    const displayName = displayNameOf(c, c.email?.raw, c.phone?.normalized);
    const emails = c.email ? [c.email] : [];
    const phones = c.phone ? [c.phone] : [];
    await this.contacts.insert(tx, {
      id, firstName: c.firstName, lastName: c.lastName, displayName, companyId: company?.id ?? null, ownerId: null, lifecycleStage: CAPTURED_STAGE,
      source: c.attribution, tags: c.tags, preferredChannels: grantedChannels(consents, []), customFields: dropNulls(custom),
      addresses: c.country ? [{ country: c.country }] : [], socialHandles: [], timeZone: null,
      searchText: searchTextOf({ firstName: c.firstName, lastName: c.lastName, displayName, emails: emails.map((e) => e.normalized), phones: phones.map((p) => p.normalized), companyName: company?.name }),
      emails, phones,
    });
    for (const d of consents) await this.contacts.recordConsent(tx, { contactId: id, ...d });
    await emitContactCreated(tx, (await this.contacts.find(tx, id))!);
    return { outcome: 'created', contactId: id };
  }

  private async update(tx: Tx, id: string, c: Cleaned, custom: Record<string, unknown>, consents: CaptureConsent[]): Promise<Applied> {
    const cur = (await this.contacts.find(tx, id))!;
    const changes: ContactChanges = {};
    const changed: string[] = [];
    const set = <K extends keyof ContactChanges>(col: K, value: ContactChanges[K], field: string) => {
      changes[col] = value;
      changed.push(field);
    };
    // Fill in, never overwrite: what a person typed into a form does not replace what the team recorded.
    if (!cur.first_name && c.firstName) set('first_name', c.firstName, 'firstName');
    if (!cur.last_name && c.lastName) set('last_name', c.lastName, 'lastName');
    if (!cur.company_id && c.companyName) set('company_id', (await this.company(tx, c.companyName)).id, 'companyId');
    const tags = dedupeTags([...cur.tags, ...c.tags]).slice(0, LIMITS.tags);
    if (tags.length !== cur.tags.length) set('tags', tags, 'tags');
    const fields = dropNulls({ ...cur.custom_fields, ...custom });
    if (JSON.stringify(fields) !== JSON.stringify(cur.custom_fields)) set('custom_fields', JSON.stringify(fields), 'customFields');
    if (!cur.addresses.length && c.country) set('addresses', JSON.stringify([{ country: c.country }]), 'addresses');
    // First touch wins: the source says where the contact first came from.
    if (!cur.source && c.attribution) set('source', JSON.stringify(c.attribution), 'source');
    const preferred = grantedChannels(consents, cur.preferred_channels);
    if (preferred.length !== cur.preferred_channels.length) set('preferred_channels', preferred, 'preferredChannels');
    await this.contacts.update(tx, id, changes);
    // An email or phone another contact holds stays with it (the capture matched this one first).
    if (c.email && !cur.emails.some((e) => e.normalized === c.email!.normalized) && (await this.contacts.addPoint(tx, EMAILS, id, c.email))) changed.push('emails');
    if (c.phone && !cur.phones.some((p) => p.e164 === c.phone!.normalized) && (await this.contacts.addPoint(tx, PHONES, id, c.phone))) changed.push('phones');
    for (const d of consents) await this.contacts.recordConsent(tx, { contactId: id, ...d });
    if (consents.length) changed.push('consents');
    if (!changed.length) return { outcome: 'unchanged', contactId: id };
    const after = (await this.contacts.find(tx, id))!;
    await this.contacts.finishChange(tx, id, displayNameOf({ firstName: after.first_name, lastName: after.last_name }, after.emails[0]?.email, after.phones[0]?.e164));
    await this.contacts.refreshSearchText(tx, [id]);
    await emitContactUpdated(tx, (await this.contacts.find(tx, id))!, changed);
    return { outcome: 'updated', contactId: id };
  }

  /** The company named in the capture; one it creates is announced like createCompany's. */
  private async company(tx: Tx, name: string): Promise<{ id: string; name: string }> {
    const company = await this.captures.companyNamed(tx, name);
    if (company.created) await emitCompanyUpserted(tx, company);
    return company;
  }

  /** The capture's values as contacts stores them; what cannot be stored is dropped with a log line. */
  private clean(capture: LeadCapture, log: Logger): Cleaned {
    const name = (v: string | null) => (v?.trim() ? v.trim().slice(0, LIMITS.name) : null);
    const country = capture.country && /^[A-Za-z]{2}$/.test(capture.country.trim()) ? capture.country.trim().toUpperCase() : null;
    if (capture.country && !country) log.warn({ country: capture.country.slice(0, 40) }, 'lead capture: country is not an ISO 3166-1 alpha-2 code; ignored');
    let email: Normalised | null = null;
    if (capture.email?.trim()) {
      const normalized = normaliseEmail(capture.email);
      if (normalized) email = { raw: capture.email.trim(), normalized };
      else log.warn('lead capture: email is not a valid address; ignored');
    }
    let phone: Normalised | null = null;
    if (capture.phone?.trim()) {
      const normalized = normalisePhone(capture.phone, (country ?? 'US') as CountryCode);
      if (normalized) phone = { raw: capture.phone.trim(), normalized };
      else log.warn('lead capture: phone is not a valid number; ignored');
    }
    const tags = dedupeTags(capture.tags.map((t) => t.slice(0, LIMITS.tag))).slice(0, LIMITS.tags);
    const attribution = Object.fromEntries(ATTRIBUTION_FIELDS.map((k) => [k, capture.attribution[k]?.slice(0, 200) ?? null]));
    return {
      firstName: name(capture.firstName), lastName: name(capture.lastName), companyName: name(capture.companyName),
      country, email, phone, tags,
      attribution: Object.values(attribution).some((v) => v !== null) ? attribution : null,
    };
  }
}

interface Cleaned {
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  country: string | null;
  email: Normalised | null;
  phone: Normalised | null;
  tags: string[];
  attribution: Record<string, string | null> | null;
}

/** Values of the tenant's defined custom fields, typed as createContact types them; unknown keys and bad values are logged and dropped. */
function customValues(defs: Map<string, CustomFieldDefinition>, values: LeadCapture['customFields'], log: Logger): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    // A blank form field does not erase what is known.
    if (value === null || value === '') continue;
    const def = defs.get(key);
    if (!def) {
      log.info({ key: key.slice(0, 100) }, 'lead capture: custom field not defined for the tenant; ignored');
      continue;
    }
    try {
      Object.assign(out, coerceCustomFields(new Map([[key, def]]), [{ key, value: String(value) }]));
    } catch (err) {
      log.warn({ key, reason: (err as Error).message }, 'lead capture: custom field value does not fit its type; ignored');
    }
  }
  return out;
}

type CaptureConsent = ConsentDecision & { recordedBy: string };

/**
 * The capture's consents as recorded: its lawful basis (a basis outside GDPR Art. 6(1) is logged and
 * left empty) and the exact wording shown. One decision per channel: the last one given for it.
 */
function consentDecisions(capture: LeadCapture, origin: CaptureOrigin, log: Logger): CaptureConsent[] {
  const lastPerChannel = [...new Map(capture.consents.map((k) => [k.channel, k])).values()];
  return lastPerChannel.map((k) => {
    const basis = k.legalBasis.trim().toLowerCase();
    if (!LEGAL_BASES.includes(basis)) log.warn({ channel: k.channel, legalBasis: k.legalBasis.slice(0, 60) }, 'lead capture: legal basis is not one of GDPR Art. 6(1); recorded without it');
    return {
      channel: k.channel,
      status: k.status,
      legalBasis: LEGAL_BASES.includes(basis) ? basis : null,
      source: origin.source.slice(0, 200),
      // The proof of consent: kept whole, whatever its length.
      wording: k.text,
      wordingVersion: null,
      sourceEventId: origin.eventId,
      recordedBy: RECORDED_BY(origin.module),
    };
  });
}

/** The contact's channel order with the channels consented to in the capture appended (in the capture's order). */
function grantedChannels(consents: ConsentDecision[], current: string[]): string[] {
  const out = [...current];
  for (const d of consents) if (d.status === 'granted' && !out.includes(d.channel)) out.push(d.channel);
  return out;
}
