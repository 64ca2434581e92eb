import type { EntityManager } from 'typeorm';

/** Rows of an UPDATE … RETURNING (TypeORM returns [rows, affectedCount] for UPDATE/DELETE on Postgres). */
export async function updated<T = any>(m: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const r = await m.query(sql, params);
  return Array.isArray(r) && Array.isArray(r[0]) && typeof r[1] === 'number' ? r[0] : r;
}
