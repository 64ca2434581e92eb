import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { isUuid, keysetPage, parseInput, UnitOfWork, type KeysetArgs, type KeysetOrder } from '@crm/platform';
import { canonicalId } from './contact-input';
import { ContactPresenter } from './contact.presenter';
import { ContactRepository, type ContactSearch } from './contact.repository';
import { toConsentRecord } from './contact.rows';
import { ContactOrder, type Channel, type ConsentRecord, type Contact, type ContactConnection, type ContactFilter } from './contact.types';

/** Orderings of the contacts list (indexed keys; the id breaks ties). */
const SORTS: Record<ContactOrder, KeysetOrder> = {
  [ContactOrder.CREATED_AT_DESC]: { name: ContactOrder.CREATED_AT_DESC, key: 'c.created_at', dir: 'DESC', timestamp: true, id: 'c.id' },
  [ContactOrder.CREATED_AT_ASC]: { name: ContactOrder.CREATED_AT_ASC, key: 'c.created_at', dir: 'ASC', timestamp: true, id: 'c.id' },
  [ContactOrder.UPDATED_AT_DESC]: { name: ContactOrder.UPDATED_AT_DESC, key: 'c.updated_at', dir: 'DESC', timestamp: true, id: 'c.id' },
  [ContactOrder.LAST_NAME_ASC]: { name: ContactOrder.LAST_NAME_ASC, key: "lower(coalesce(c.last_name, ''))", dir: 'ASC', id: 'c.id' },
  [ContactOrder.DISPLAY_NAME_ASC]: { name: ContactOrder.DISPLAY_NAME_ASC, key: 'lower(c.display_name)', dir: 'ASC', id: 'c.id' },
};

/** A phone number as people type it: digits with spaces, dashes, dots, brackets, a leading +. */
const PHONE_LIKE = /^\+?[\d\s().\-/]+$/;

/** Turns free text into a safe prefix tsquery: every word must match the start of some indexed token. */
export function toPrefixQuery(search: string): string | null {
  const trimmed = search.trim();
  // "+1 (415) 555-2671" is one number: search its digits (indexed as E.164 digits and the last ten).
  const digits = trimmed.replace(/\D/g, '');
  if (PHONE_LIKE.test(trimmed) && digits.length >= 3) return `'${digits}':*`;
  const words = trimmed
    .toLowerCase()
    .split(/[\s,;]+/)
    .map((w) => w.replace(/[^\p{L}\p{N}@._+-]/gu, '').replace(/^[+]/, ''))
    .filter(Boolean)
    .slice(0, 8);
  if (!words.length) return null;
  return words.map((w) => `'${w.replace(/'/g, "''")}':*`).join(' & ');
}

const contactFilterSchema = z.object({
  search: z.string().max(200, 'must be at most 200 characters').nullish(),
  companyId: z.string().uuid('not a company id').nullish(),
  teamId: z.string().uuid('not a team id').nullish(),
  // DateTime parses any string into a Date: an unparseable one is an Invalid Date, not an error.
  createdAfter: z.date({ error: 'not a valid time' }).nullish(),
  createdBefore: z.date({ error: 'not a valid time' }).nullish(),
});

/** The list's filter as the repository's search (validated: BAD_USER_INPUT naming `filter.*`). */
export function contactSearchOf(filter: ContactFilter): ContactSearch {
  parseInput(contactFilterSchema, { search: filter.search, companyId: filter.companyId, teamId: filter.teamId, createdAfter: filter.createdAfter, createdBefore: filter.createdBefore }, 'filter');
  return { ...filter, tsquery: filter.search ? toPrefixQuery(filter.search) : null };
}

/** Reads of contacts: by id (batched), the searchable list, consent histories (batched). */
@Injectable()
export class ContactQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly presenter: ContactPresenter,
  ) {}

  /** result[i] belongs to ids[i]; a malformed or unknown id is null (it never fails the batch): DataLoader, federation references. */
  async getMany(tenantId: string, ids: readonly string[]): Promise<(Contact | null)[]> {
    const valid = ids.filter(isUuid);
    const found = valid.length ? await this.uow.run(tenantId, async (tx) => this.presenter.present(tx, await this.contacts.findMany(tx, valid))) : [];
    const byId = new Map(found.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(canonicalId(id)) ?? null);
  }

  /**
   * Active contacts matching the filter, keyset-paginated; cursors are opaque (base64url JSON of
   * sort value + id). `withTotal`: run the count(*) too (only when the caller selects totalCount;
   * it costs a scan of the matches).
   */
  async list(tenantId: string, args: KeysetArgs, filter: ContactFilter = {}, order = ContactOrder.CREATED_AT_DESC, withTotal = true): Promise<ContactConnection> {
    const page = keysetPage(SORTS[order], args);
    const search = contactSearchOf(filter);
    return this.uow.run(tenantId, async (tx) => {
      // One transaction = one connection: the queries run one after the other (pg refuses overlapping queries on a client).
      const rows = await this.contacts.page(tx, page, search);
      const n = withTotal ? await this.contacts.count(tx, search) : null;
      return page.connection(rows, (r) => this.presenter.present(tx, r), n);
    });
  }

  /**
   * Every consent decision recorded for each contact (and for contacts merged into it, whose
   * evidence stays under their own id), newest first; optionally one channel only. result[i]
   * belongs to contactIds[i].
   */
  async consentHistories(tenantId: string, contactIds: readonly string[], channel: Channel | null): Promise<ConsentRecord[][]> {
    const ids = contactIds.map(canonicalId);
    const valid = ids.filter(isUuid);
    const byContact = valid.length ? await this.uow.run(tenantId, (tx) => this.contacts.consentHistories(tx, valid, channel)) : new Map();
    return ids.map((id) => (byContact.get(id) ?? []).map(toConsentRecord));
  }
}
