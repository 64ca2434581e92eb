/**
 * The one way to build a statement whose SET list or WHERE conditions depend on the input: bind
 * parameters are numbered by one counter, so fixed parameters, optional filters, keyset cursors
 * and LIMIT never collide. Column names come from code, never from input; values always travel as
 * bind parameters.
 *
 *   const q = new SqlParams(ctx.tenantId);                       // $1
 *   const where = q.where(['tenant_id = $1', filter.status && `status = ${q.p(filter.status)}`]);
 *   await tx.query(`SELECT … WHERE ${where} LIMIT ${q.p(20)}`, q.values);
 */
export class SqlParams {
  readonly values: unknown[];

  constructor(...fixed: unknown[]) {
    this.values = [...fixed];
  }

  /** A placeholder (`$n`) bound to `value`. */
  p = (value: unknown): string => `$${this.values.push(value)}`;

  /**
   * `col = $n, …` for every entry whose value is not `undefined` (undefined: not changed; null: set
   * NULL). Returns '' when nothing changes, so the caller can skip the UPDATE.
   */
  set(changes: Record<string, unknown>): string {
    return Object.entries(changes)
      .filter(([, v]) => v !== undefined)
      .map(([col, v]) => `${col} = ${this.p(v)}`)
      .join(', ');
  }

  /** The given conditions joined with AND; falsy entries (an absent filter) are left out; `TRUE` when none. */
  where(conditions: readonly (string | false | null | undefined | 0 | '')[]): string {
    const kept = conditions.filter((c): c is string => typeof c === 'string' && c.length > 0);
    return kept.length ? kept.join(' AND ') : 'TRUE';
  }

  /** A copy holding the same values so far (e.g. a count query sharing a list's filters but not its cursor). */
  snapshot(): unknown[] {
    return [...this.values];
  }
}
