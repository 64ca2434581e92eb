import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { badUserInput, withTenant, type RequestContext, isUuid, keysetPage, type KeysetArgs, type KeysetOrder } from '@crm/platform';
import { ContactsService } from './contacts.service';
import { selectContactsWhere, type ContactRow } from './contact.rows';
import { ContactOrder, type ContactConnection, type ContactFilter } from './contact.types';

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

/** Keyset-paginated search; cursors are opaque (base64url JSON of sort value + id). */
@Injectable()
export class ContactSearchService {
  constructor(private readonly ds: DataSource, private readonly contacts: ContactsService) {}

  /** `withTotal`: run the count(*) too (only when the caller selects totalCount; it costs a scan of the matches). */
  async list(ctx: RequestContext, args: KeysetArgs, filter: ContactFilter = {}, order = ContactOrder.CREATED_AT_DESC, withTotal = true): Promise<ContactConnection> {
    const page = keysetPage(SORTS[order], args);
    if (filter.search && filter.search.length > 200) throw badUserInput('filter.search: must be at most 200 characters');
    const params: unknown[] = [ctx.tenantId];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = ['c.tenant_id = $1', 'c.merged_into IS NULL', 'c.erased_at IS NULL'];
    if (filter.search) {
      const q = toPrefixQuery(filter.search);
      if (q) where.push(`c.search @@ to_tsquery('simple', ${p(q)})`);
    }
    if (filter.tags?.length) where.push(`c.tags @> ${p(filter.tags)}::text[]`);
    if (filter.companyId && !isUuid(filter.companyId)) throw badUserInput(`filter.companyId: "${filter.companyId.slice(0, 60)}" is not a company id`);
    if (filter.companyId) where.push(`c.company_id = ${p(filter.companyId)}::uuid`);
    if (filter.ownerId) where.push(`c.owner_id = ${p(filter.ownerId)}`);
    if (filter.lifecycleStage) where.push(`c.lifecycle_stage = ${p(filter.lifecycleStage)}`);
    if (filter.createdAfter) where.push(`c.created_at >= ${p(filter.createdAfter)}`);
    if (filter.createdBefore) where.push(`c.created_at < ${p(filter.createdBefore)}`);
    if (filter.consentedChannel) where.push(`EXISTS (SELECT 1 FROM consents k WHERE k.contact_id = c.id AND k.channel = ${p(filter.consentedChannel)} AND k.status = 'granted')`);
    const countWhere = where.join(' AND ');
    const countParams = [...params];
    const after = page.afterSql(p);
    if (after) where.push(after);
    const sql = selectContactsWhere(where.join(' AND '), page.orderBy, p(page.limit), page.sortKey);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      // One transaction = one connection: the queries run one after the other (pg refuses overlapping queries on a client).
      const rows: (ContactRow & { sort_key: string })[] = await m.query(sql, params);
      const n: number | null = withTotal ? (await m.query(`SELECT count(*)::int AS n FROM contacts c WHERE ${countWhere}`, countParams))[0].n : null;
      return page.connection(rows, (r) => this.contacts.present(m, ctx.tenantId, r), n);
    });
  }
}
