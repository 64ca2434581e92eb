import { oneKeyForm, preparedStatementName, Tx } from './tx';
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

describe("Tx.prepared's one-key form", () => {
  it('sends a one-key batch with scalar parameters, and any other batch as written', async () => {
    const SQL = `SELECT * FROM deals WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND stage_id = ANY($3::uuid[])`;
    const sent: { text: string; values: unknown[] }[] = [];
    const db: SqlRunner = { query: async (sql: unknown, values?: unknown[]) => (sent.push({ text: (sql as { text: string }).text, values: values! }), []) };
    await new Tx(db, 't1').prepared(SQL, ['t1', ['c1'], ['s1']]);
    await new Tx(db, 't1').prepared(SQL, ['t1', ['c1', 'c2'], ['s1']]);
    expect(sent).toEqual([
      { text: `SELECT * FROM deals WHERE tenant_id = $1 AND contact_id = ANY(ARRAY[$2::uuid]) AND stage_id = ANY(ARRAY[$3::uuid])`, values: ['t1', 'c1', 's1'] },
      { text: SQL, values: ['t1', ['c1', 'c2'], ['s1']] },
    ]);
  });

  it('rewrites an unnested key too, leaves a parameter used as an array elsewhere, and tells $1 from $12', () => {
    const unnested = `SELECT x FROM t WHERE a = ANY($2::uuid[]) UNION ALL SELECT k FROM unnest($2::uuid[]) AS k(id)`;
    expect(oneKeyForm(unnested)).toEqual({ keys: [1], sql: `SELECT x FROM t WHERE a = ANY(ARRAY[$2::uuid]) UNION ALL SELECT k FROM unnest(ARRAY[$2::uuid]) AS k(id)` });
    const counted = `SELECT x FROM t WHERE a = ANY($2::uuid[]) AND array_length($2::uuid[], 1) > 0`;
    expect(oneKeyForm(counted)).toEqual({ keys: [], sql: counted });
    const many = `SELECT 1 WHERE a = ANY($1::text[]) AND b = $12 AND c = ANY($12::text[])`;
    expect(oneKeyForm(many)).toEqual({ keys: [0], sql: `SELECT 1 WHERE a = ANY(ARRAY[$1::text]) AND b = $12 AND c = ANY($12::text[])` });
  });
});

describe('Tx.once', () => {
  const db: SqlRunner = { query: async () => [] };

  it('reads a value once for every Tx sharing the transaction, per tenant, and again after forget', async () => {
    const reads = new Map<string, Promise<unknown>>();
    const loads: string[] = [];
    const load = (tx: Tx) => tx.once('rules', async () => (loads.push(tx.tenantId), `rules of ${tx.tenantId}`));
    // A consumer's run: one Tx per event, one database transaction.
    const [a1, a2, b1] = [new Tx(db, 'a', undefined, reads), new Tx(db, 'a', undefined, reads), new Tx(db, 'b', undefined, reads)];
    expect(await Promise.all([load(a1), load(a2), load(b1)])).toEqual(['rules of a', 'rules of a', 'rules of b']);
    expect(loads).toEqual(['a', 'b']);
    a2.forget('rules');
    expect(await load(a1)).toBe('rules of a');
    expect(await load(b1)).toBe('rules of b');
    expect(loads).toEqual(['a', 'b', 'a']);
    // Another transaction reads for itself.
    await load(new Tx(db, 'a'));
    expect(loads).toEqual(['a', 'b', 'a', 'a']);
  });

  it('does not keep a failed read', async () => {
    const tx = new Tx(db, 'a');
    let n = 0;
    const load = () => tx.once('settings', async () => (++n === 1 ? Promise.reject(new Error('connection lost')) : n));
    await expect(load()).rejects.toThrow('connection lost');
    expect(await load()).toBe(2);
  });
});
