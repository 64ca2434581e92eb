import { preparedStatementName, Tx } from './tx';
import type { SqlRunner } from '../db/sql';

/** What pg/TypeORM throw when a migration changed the columns under a prepared statement. */
const staleError = () => Object.assign(new Error('cached plan must not change result type'), { code: '0A000', routine: 'RevalidateCachedQuery' });
const generationOf = (name: string | undefined) => Number(/_(\d+)$/.exec(name ?? '')?.[1] ?? 0);

describe('Tx.prepared after a schema change', () => {
  it('renames the prepared statements once, though every connection that prepared the old one fails', async () => {
    const SQL = `SELECT * FROM widgets WHERE tenant_id = $1`;
    const before = generationOf(preparedStatementName(SQL));
    // Four connections each sent the statement under its old name before the first failure came back.
    const sentAs: unknown[] = [];
    let fail!: () => void;
    const failed = new Promise<void>((resolve) => (fail = resolve));
    const db: SqlRunner = {
      query: async (sql: unknown) => {
        sentAs.push(sql);
        await failed;
        throw staleError();
      },
    };
    const calls = Array.from({ length: 4 }, () => new Tx(db, 't1').prepared(SQL, ['t1']));
    fail();
    for (const c of calls) await expect(c).rejects.toThrow('cached plan must not change result type');
    expect(new Set(sentAs.map((s) => (s as { name: string }).name)).size).toBe(1);
    expect(generationOf(preparedStatementName(SQL))).toBe(before + 1);
  });

  it('leaves the names alone for any other error', async () => {
    const SQL = `SELECT id FROM widgets WHERE tenant_id = $1`;
    const name = preparedStatementName(SQL);
    const db: SqlRunner = { query: async () => Promise.reject(Object.assign(new Error('relation "widgets" does not exist'), { code: '42P01' })) };
    await expect(new Tx(db, 't1').prepared(SQL, ['t1'])).rejects.toThrow('does not exist');
    expect(preparedStatementName(SQL)).toBe(name);
  });
});
