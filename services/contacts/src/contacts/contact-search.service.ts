import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { badUserInput, withTenant, type RequestContext, isUuid, decodeCursor, encodeCursor, isTimestampKey, timestampKeySql } from '@crm/platform';
import { ContactsService } from './contacts.service';
import { selectContactsWhere, type ContactRow } from './contact.rows';
import { ContactOrder, type ContactConnection, type ContactFilter } from './contact.types';

interface SortSpec {
  /** SQL expression of the sort key (indexed). */
  expr: string;
  dir: 'ASC' | 'DESC';
  /** A timestamp key: the cursor carries it in UTC at full (microsecond) precision, as Postgres compares it. */
  timestamp?: boolean;
}

const SORTS: Record<ContactOrder, SortSpec> = {
  [ContactOrder.CREATED_AT_DESC]: { expr: 'c.created_at', dir: 'DESC', timestamp: true },
  [ContactOrder.CREATED_AT_ASC]: { expr: 'c.created_at', dir: 'ASC', timestamp: true },
  [ContactOrder.UPDATED_AT_DESC]: { expr: 'c.updated_at', dir: 'DESC', timestamp: true },
  [ContactOrder.LAST_NAME_ASC]: { expr: "lower(coalesce(c.last_name, ''))", dir: 'ASC' },
  [ContactOrder.DISPLAY_NAME_ASC]: { expr: 'lower(c.display_name)', dir: 'ASC' },
};

/** The sort key as text, computed by Postgres (a JS re-computation would drop microseconds or lower-case differently). */
const sortKeySql = (s: SortSpec) => (s.timestamp ? timestampKeySql(s.expr) : s.expr);

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
  async list(ctx: RequestContext, first = 20, after: string | undefined, filter: ContactFilter = {}, order = ContactOrder.CREATED_AT_DESC, withTotal = true): Promise<ContactConnection> {
    if (!Number.isInteger(first) || first < 1 || first > 200) throw badUserInput('first: must be between 1 and 200');
    if (filter.search && filter.search.length > 200) throw badUserInput('filter.search: must be at most 200 characters');
    const sort = SORTS[order];
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
    if (after) {
      const cur = decodeListCursor(after, order);
      const cmp = sort.dir === 'DESC' ? '<' : '>';
      where.push(`(${sort.expr}, c.id) ${cmp} (${p(cur.v)}${sort.timestamp ? '::timestamptz' : ''}, ${p(cur.id)}::uuid)`);
    }
    const sql = selectContactsWhere(where.join(' AND '), `${sort.expr} ${sort.dir}, c.id ${sort.dir}`, p(first + 1), sortKeySql(sort));
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      // One transaction = one connection: the queries run one after the other (pg refuses overlapping queries on a client).
      const rows: (ContactRow & { sort_key: string })[] = await m.query(sql, params);
      const n: number | null = withTotal ? (await m.query(`SELECT count(*)::int AS n FROM contacts c WHERE ${countWhere}`, countParams))[0].n : null;
      const page = rows.slice(0, first);
      const nodes = await this.contacts.present(m, ctx.tenantId, page);
      const edges = nodes.map((node, i) => ({ node, cursor: encodeCursor({ o: order, v: page[i].sort_key, id: page[i].id }) }));
      return { edges, totalCount: n, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
    });
  }
}

/** A cursor is valid only for the ordering it came from (its value is that ordering's key). */
function decodeListCursor(cursor: string, order: ContactOrder): { v: string; id: string } {
  return decodeCursor(
    cursor,
    (c) => c.o === order && typeof c.v === 'string' && typeof c.id === 'string' && isUuid(c.id) && (!SORTS[order].timestamp || isTimestampKey(c.v)),
    () => badUserInput('after: not a cursor returned by this query with this orderBy (use pageInfo.endCursor)'),
  );
}
