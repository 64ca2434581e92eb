import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

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
