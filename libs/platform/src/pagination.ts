import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { badUserInput } from './errors';
import { isUuid } from './db/sql';
import type { SqlParams } from './kernel/sql-builder';

/**
 * Keyset pagination helpers. A cursor carries the last row's sort key exactly as Postgres compares
 * it: timestamps are microsecond-precise there, so they are rendered by Postgres, never by a JS Date
 * (which would drop the microseconds and skip rows sharing a millisecond).
 */

/** A timestamp column as text in UTC at full precision; select it `AS sort_key` next to the row. */
export function timestampKeySql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function isTimestampKey(v: unknown): v is string {
  return typeof v === 'string' && TIMESTAMP_KEY.test(v);
}

/** An opaque cursor (base64url JSON). */
export function encodeCursor(payload: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The cursor's payload if it decodes and passes `valid`; otherwise throws what `invalid` returns. */
export function decodeCursor<T>(cursor: string, valid: (payload: any) => boolean, invalid: () => Error): T {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw invalid();
  }
  if (!payload || typeof payload !== 'object' || !valid(payload)) throw invalid();
  return payload as T;
}

/**
 * Whether the operation selects `field` directly on the value this resolver returns (fragments
 * included), e.g. `totalCount` of a connection: a count(*) is only worth running when asked for.
 */
export function selectsField(info: GraphQLResolveInfo, field: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === field;
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet);
      return visit(info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((n) => visit(n.selectionSet));
}

/**
 * One pagination shape for every list of every module: a Relay connection
 * (`edges { cursor node }`, `pageInfo { hasNextPage endCursor }`, `totalCount`), forward only.
 * `first` defaults to DEFAULT_FIRST; more than MAX_FIRST is BAD_USER_INPUT naming `first` (a
 * client pages instead; nested connections such as `contacts { deals }` multiply, so the bound is
 * the same everywhere). Declare the GraphQL type with `Connection()` (kernel/connection.ts) and
 * build the value with `keysetPage()` below.
 */
export const DEFAULT_FIRST = 20;
export const MAX_FIRST = 100;

export interface PageInfoValue {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface ConnectionValue<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: PageInfoValue;
  /** null when the operation does not select it (the count is not run). */
  totalCount: number | null;
}

/** `first` checked against the documented bounds (BAD_USER_INPUT naming `first`). */
export function pageSize(first: number | null | undefined): number {
  const n = first ?? DEFAULT_FIRST;
  if (!Number.isInteger(n) || n < 1 || n > MAX_FIRST) {
    const message = `must be between 1 and ${MAX_FIRST} (default ${DEFAULT_FIRST}); page with after: pageInfo.endCursor`;
    throw badUserInput(`first: ${message}`, { fields: [{ field: 'first', message }] });
  }
  return n;
}

/** A keyset ordering: `key` (an indexed SQL expression) then the row id as tie-break, same direction. */
export interface KeysetOrder {
  /** Names the ordering inside cursors, so a cursor of one list or ordering is refused by another. */
  name: string;
  /** SQL expression of the sort key, e.g. `d.created_at` or `lower(c.name)`. */
  key: string;
  dir: 'ASC' | 'DESC';
  /** The key is a timestamp: carried at microsecond precision as Postgres compares it. */
  timestamp?: boolean;
  /** The id column (uuid); default `id`. */
  id?: string;
}

export interface KeysetArgs {
  first?: number | null;
  after?: string | null;
}

export interface KeysetRow {
  id: string;
  sort_key: string;
}

/**
 * A page of a keyset-ordered list. Select `${sortKey} AS sort_key` with the rows, add `afterSql(p)` to
 * the WHERE clause, order by `orderBy`, fetch `limit` (first + 1) rows, and hand them to
 * `connection()`: the extra row only tells whether there is a next page.
 */
export interface KeysetPage {
  first: number;
  limit: number;
  /** The sort key as text (SQL), to select `AS sort_key` next to the row. */
  sortKey: string;
  orderBy: string;
  /** The keyset predicate after the cursor (adds its parameters through `p`), or null on the first page. */
  afterSql(p: (v: unknown) => string): string | null;
  connection<R extends KeysetRow, N>(rows: R[], present: (page: R[]) => N[] | Promise<N[]>, totalCount: number | null): Promise<ConnectionValue<N>>;
  /**
   * The same page for many parents in ONE statement (a connection field of a batched list, e.g.
   * `Contact.deals`): the first `limit` rows of each `partitionBy` value, by row_number(), with the
   * keyset predicate applied to each; `columns` is the select list, `where` binds the parents through
   * `params`. With `withTotal`, each parent's count as well: on a first page by a window count in the
   * same statement (it reads every row of the parent anyway), after a cursor by a second one. `run`
   * sends a statement (`tx.prepared` or `tx.query`); result[i] is the connection of parents[i].
   */
  perParent<R extends KeysetRow, N>(
    run: (sql: string, params: unknown[]) => Promise<unknown[]>,
    q: { columns: string; from: string; where: string; partitionBy: string },
    params: SqlParams,
    parents: readonly string[],
    present: (page: R[]) => N[] | Promise<N[]>,
    withTotal: boolean,
  ): Promise<ConnectionValue<N>[]>;
}

export function keysetPage(order: KeysetOrder, args: KeysetArgs): KeysetPage {
  const first = pageSize(args.first);
  const idCol = order.id ?? 'id';
  const cursor = args.after
    ? decodeCursor<{ o: string; v: string; id: string }>(
        args.after,
        (c) => c.o === order.name && typeof c.v === 'string' && typeof c.id === 'string' && isUuid(c.id) && (!order.timestamp || isTimestampKey(c.v)),
        () => {
          const message = 'not a cursor of this list and ordering (use pageInfo.endCursor)';
          return badUserInput(`after: ${message}`, { fields: [{ field: 'after', message }] });
        },
      )
    : null;
  return {
    first,
    limit: first + 1,
    sortKey: order.timestamp ? timestampKeySql(order.key) : order.key,
    orderBy: `${order.key} ${order.dir}, ${idCol} ${order.dir}`,
    afterSql(p) {
      if (!cursor) return null;
      const cmp = order.dir === 'DESC' ? '<' : '>';
      return `(${order.key}, ${idCol}) ${cmp} (${p(cursor.v)}${order.timestamp ? '::timestamptz' : ''}, ${p(cursor.id)}::uuid)`;
    },
    async perParent<R extends KeysetRow, N>(
      run: (sql: string, params: unknown[]) => Promise<unknown[]>,
      q: { columns: string; from: string; where: string; partitionBy: string },
      params: SqlParams,
      parents: readonly string[],
      present: (page: R[]) => N[] | Promise<N[]>,
      withTotal: boolean,
    ) {
      const uncursored = params.snapshot();
      const after = this.afterSql(params.p);
      const counted = withTotal && !after;
      const rows = (await run(
        `SELECT * FROM (
          SELECT ${q.columns}, ${this.sortKey} AS sort_key, ${q.partitionBy} AS page_parent, row_number() OVER (PARTITION BY ${q.partitionBy} ORDER BY ${this.orderBy}) AS page_row${counted ? `, count(*) OVER (PARTITION BY ${q.partitionBy}) AS parent_total` : ''}
          FROM ${q.from} WHERE ${q.where}${after ? ` AND ${after}` : ''}
        ) ranked WHERE page_row <= ${params.p(this.limit)} ORDER BY page_row`,
        params.values,
      )) as (R & { page_parent: string; parent_total?: string })[];
      const totals = new Map<string, number>(
        !withTotal
          ? []
          : counted
            ? rows.map((r) => [r.page_parent, Number(r.parent_total)])
            : ((await run(`SELECT ${q.partitionBy} AS parent, count(*)::int AS n FROM ${q.from} WHERE ${q.where} GROUP BY 1`, uncursored)) as { parent: string; n: number }[]).map((r) => [r.parent, r.n]),
      );
      return Promise.all(parents.map((p) => this.connection(rows.filter((r) => r.page_parent === p), present, withTotal ? (totals.get(p) ?? 0) : null)));
    },
    async connection(rows, present, totalCount) {
      const page = rows.slice(0, first);
      const nodes = await present(page);
      const edges = nodes.map((node, i) => ({ node, cursor: encodeCursor({ o: order.name, v: page[i].sort_key, id: page[i].id }) }));
      return { edges, totalCount, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  };
}
