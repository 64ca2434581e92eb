/**
 * What runs SQL inside a transaction: a Tx, or the connection-bound manager the platform hands it.
 * Platform signatures take this, not TypeORM's EntityManager (TypeORM is the pool and migration
 * runner, not an API of the kernel).
 */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<any>;
}

/** Rows of an UPDATE/DELETE … RETURNING (TypeORM returns [rows, affectedCount] for those on Postgres, plain rows otherwise). */
export async function updated<T = any>(m: SqlRunner, sql: string, params: unknown[]): Promise<T[]> {
  const r = await m.query(sql, params);
  return Array.isArray(r) && Array.isArray(r[0]) && typeof r[1] === 'number' ? r[0] : r;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Runs a write; a unique-index violation (a concurrent request created the same thing between our
 * check and our insert) becomes the CONFLICT `onConflict` returns instead of INTERNAL_SERVER_ERROR.
 * `onConflict` gets the violated constraint's name; returning undefined rethrows the error.
 */
export async function conflictOnUnique<T>(run: () => Promise<T>, onConflict: (constraint: string) => Error | undefined): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
    const code = e.code ?? e.driverError?.code;
    if (code === UNIQUE_VIOLATION) {
      const mapped = onConflict(e.constraint ?? e.driverError?.constraint ?? '');
      if (mapped) throw mapped;
    }
    throw err;
  }
}

/** Serialises writers of one key (e.g. a tenant's default pipeline) until the transaction ends. */
export async function xactLock(m: SqlRunner, key: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [key]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; a string that is not one can never name a row (check before it reaches a ::uuid cast). */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
