import { createHash } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import type { EventContract, EventData } from '@crm/events';
import { updated, type SqlRunner } from '../db/sql';
import type { EventPublisher } from '../outbox/event-publisher';
import { currentActor } from '../auth/context-store';

/**
 * What tenant-scoped transactions switch to: the login's app role `<login>_app` (db/roles.ts), a
 * non-owner with only DML grants on its module's tables, so row-level security and append-only
 * grants apply. Evaluated by Postgres from the session's login, so no configuration names it.
 */
export const APP_ROLE_SQL = `session_user || '_app'`;

/** A row as the driver returns it; declare the columns you read (`tx.query<{ id: string }>(…)`). */
export type Row = Record<string, unknown>;

/**
 * Distinct statement texts `Tx.prepared` prepares in this process; beyond it they go unnamed. Every
 * prepared statement stays on its connection (server memory) until the connection closes, so the
 * number a connection can hold must be bounded even if a caller passes texts that vary.
 */
export const MAX_PREPARED_STATEMENTS = 200;
const preparedNames = new Map<string, string>();
/** Bumped when a table's columns changed under our prepared statements (see stalePrepared). */
let preparedGeneration = 0;

/** The statement's name: the same text has the same name on every connection (the driver prepares it once per connection). */
export function preparedStatementName(sql: string): string | undefined {
  let name = preparedNames.get(sql);
  if (!name && preparedNames.size < MAX_PREPARED_STATEMENTS)
    preparedNames.set(sql, (name = `crm_${createHash('sha1').update(sql).digest('base64url').slice(0, 20)}${preparedGeneration ? `_${preparedGeneration}` : ''}`));
  return name;
}

/**
 * A migration changed the columns a prepared statement returns (`SELECT *` after an ADD COLUMN —
 * a newer version migrating during a rolling deploy): Postgres refuses to run the statement again
 * on every connection that prepared it ("cached plan must not change result type", 0A000), and the
 * driver keeps using it. The failing transaction is lost (it is aborted); from then on every text
 * gets a new name, so each connection prepares it afresh instead of failing until it closes. The
 * old statements stay on their connections (a schema change is rare; they go with the connection).
 */
function stalePrepared(err: unknown): boolean {
  const e = err as { code?: string; routine?: string; driverError?: { code?: string; routine?: string } };
  // The routine, not the message: messages follow the server's lc_messages.
  return (e?.code ?? e?.driverError?.code) === '0A000' && (e?.routine ?? e?.driverError?.routine) === 'RevalidateCachedQuery';
}

/**
 * A statement's one-key form: each parameter used only as `= ANY($n::type[])` or `unnest($n::type[])`
 * becomes a one-element array literal, `= ANY(ARRAY[$n::type])` or `unnest(ARRAY[$n::type])`, with
 * the key as a scalar. Why: for a prepared statement Postgres plans each execution afresh (a custom
 * plan) until a generic plan, made once, looks no costlier; it estimates an array parameter at
 * several elements, so a batched lookup's generic plan always looked dearer than the one-key custom
 * plans it was compared with, and every execution was planned again — planning was three quarters
 * of a contact lookup's database CPU (bench/README.md, session 18). `ARRAY[$n]` is estimated at its
 * one element: the generic plan costs what a custom one does, and Postgres keeps it. Only the
 * parameter changes, so the statement around it (aliases, column names) is untouched.
 */
interface OneKeyForm {
  /** Indexes of the parameters rewritten; empty: the statement has none. */
  keys: number[];
  sql: string;
}
const oneKeyForms = new Map<string, OneKeyForm>();
const ARRAY_PARAM = /(= ANY|unnest)\(\$(\d+)::(\w+)\[\]\)/g;

export function oneKeyForm(sql: string): OneKeyForm {
  let form = oneKeyForms.get(sql);
  if (form) return form;
  // Bounded as the statement names are: beyond them texts are sent as written.
  if (oneKeyForms.size >= MAX_PREPARED_STATEMENTS) return { keys: [], sql };
  const uses = (n: string) => sql.match(new RegExp(`\\$${n}(?!\\d)`, 'g'))?.length ?? 0;
  const arrayUses = new Map<string, number>();
  for (const m of sql.matchAll(ARRAY_PARAM)) arrayUses.set(m[2], (arrayUses.get(m[2]) ?? 0) + 1);
  // Only a parameter with no other use (`array_length($2::uuid[], 1)` needs the array).
  const keys = [...arrayUses].filter(([n, count]) => uses(n) === count).map(([n]) => n);
  form = {
    keys: keys.map((n) => Number(n) - 1),
    sql: sql.replace(ARRAY_PARAM, (whole, op: string, n: string, type: string) => (keys.includes(n) ? `${op}(ARRAY[$${n}::${type}])` : whole)),
  };
  oneKeyForms.set(sql, form);
  return form;
}

/** `Tx.prepared` on any runner of the transaction (the platform's own hot statements: the outbox write). */
export function queryPrepared<R extends Row = Row>(db: SqlRunner, sql: string, params: readonly unknown[] = []): Promise<R[]> {
  const form = oneKeyForm(sql);
  if (form.keys.length && form.keys.every((i) => Array.isArray(params[i]) && (params[i] as unknown[]).length === 1)) {
    sql = form.sql;
    params = params.map((v, i) => (form.keys.includes(i) ? (v as unknown[])[0] : v));
  }
  const name = preparedStatementName(sql);
  // The driver (pg) takes a query config in place of the text; TypeORM passes it through.
  return updated<R>(db, (name ? { name, text: sql } : sql) as string, params as unknown[]).catch((err: unknown) => {
    // Once per schema change: statements already sent under the old name fail too, and must not rename again.
    if (name && stalePrepared(err) && preparedNames.get(sql) === name) {
      preparedGeneration++;
      preparedNames.clear();
    }
    throw err;
  });
}

/**
 * The one handle a use case, consumer or scheduler gets for its unit of work: one connection, one
 * transaction (for a query operation's reads: one read session, request-tx.ts), bound to one tenant
 * by Postgres row-level security. Everything inside the unit of work goes through it — including
 * lookups in a contact replica — so a unit of work never holds one pooled connection while waiting
 * for a second of the same pool (the cause of the pool deadlock under concurrency).
 */
export class Tx {
  private pending: Promise<void>[] = [];
  private emitted = false;

  constructor(
    /** The connection this transaction runs on (TypeORM's manager of it, seen only as a SqlRunner). */
    private readonly db: SqlRunner,
    readonly tenantId: string,
    private readonly emitter?: TxEmitter,
    /** What `once` has read in this database transaction; a consumer's run shares one across its events' Txs. */
    private readonly reads: TxReads = new Map(),
  ) {}

  /**
   * A value read once per database transaction and tenant: configuration that every event of a
   * consumer's run consults (scoring rules, settings), read for the run instead of per event. Only
   * for values whose readers and writers are ordered by a tenant lock (`lockTenant`): the reader
   * takes it shared before its first read, every writer exclusive as its first statement, so a write
   * waits for the runs still using what they read, and a run that starts later reads what was
   * written. Code that writes the value in the same transaction calls `forget` with the key.
   * Callers share the result: never mutate it.
   */
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const k = readKey(this.tenantId, key);
    let value = this.reads.get(k) as Promise<T> | undefined;
    if (!value) {
      value = load();
      this.reads.set(k, value);
      // A failed read is not kept (the transaction is failing anyway; nothing may reuse the error).
      const kept = value;
      kept.catch(() => this.reads.get(k) === kept && this.reads.delete(k));
    }
    return value;
  }

  /**
   * A lock on `name` for this tenant until the transaction ends (a Postgres transaction-level
   * advisory lock), taken once per transaction. Writers of what `name` guards take it exclusive as
   * their first statement, so they hold nothing else while they wait; readers shared. A consumer
   * group whose handlers read under it declares it (`@EventConsumer(name, { tenantLocks })`): its
   * runs then take it before anything else, for every tenant of the run, and hold no row a writer
   * could be waiting for when they wait.
   */
  lockTenant(name: string, mode: 'shared' | 'exclusive'): Promise<void> {
    // A writer holding it exclusive reads under it too.
    if (mode === 'shared' && this.reads.has(readKey(this.tenantId, lockReadKey(name, 'exclusive')))) return Promise.resolve();
    return this.once(lockReadKey(name, mode), async () => {
      await this.db.query(`SELECT ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtextextended($1, 0))`, [tenantLockKey(name, this.tenantId)]);
    });
  }

  /** The value under `key` was written in this transaction: the next `once` reads it again. */
  forget(key: string): void {
    this.reads.delete(readKey(this.tenantId, key));
  }

  /** Rows of any statement (also UPDATE/DELETE … RETURNING). */
  query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return updated<R>(this.db, sql, params as unknown[]);
  }

  /**
   * Rows of a statement sent as a named prepared statement: Postgres parses it once per connection
   * and, once a generic plan looks no costlier than planning each execution, plans it once too —
   * planning is most of a read's database CPU (a contact lookup: 0.33 ms to plan, 0.12 ms to run;
   * bench/README.md, `prepared.ts`). A batch of one key is sent in its one-key form (`oneKeyForm`),
   * whose generic plan Postgres keeps; a batch of many is planned per execution. For the hot lookups
   * and page loaders whose text is fixed (or has a few variants): the text is the statement's
   * identity, and each one is kept on every connection that ran it. Row-level security and the
   * tenant binding apply as to any statement (the binding is read at execution).
   */
  prepared<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return queryPrepared<R>(this.db, sql, params);
  }

  /** The first row, or undefined. */
  async maybeOne<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    const [row] = await this.query<R>(sql, params);
    return row;
  }

  /** Exactly the first row; a missing row is a programming error here (use maybeOne for lookups). */
  async one<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R> {
    const row = await this.maybeOne<R>(sql, params);
    if (!row) throw new Error(`expected a row from: ${sql.slice(0, 80)}`);
    return row;
  }

  /**
   * Writes an event to the outbox in this transaction. `data` is checked against the contract's
   * schema by the compiler (EventData<C>) and again at run time by the outbox writer.
   */
  emit<C extends EventContract>(contract: C, subject: string, data: EventData<C>): Promise<void> {
    return this.emitMany(contract, [{ subject, data }]);
  }

  /** Several events in one outbox round trip (bulk paths). */
  emitMany<C extends EventContract>(contract: C, events: { subject: string; data: EventData<C> }[]): Promise<void> {
    if (!this.emitter) throw new Error('this unit of work cannot emit events: the reads of a query operation are read-only (emit in a mutation), or the service info is missing');
    const p = this.emitter.emit(this.db, this.tenantId, events.map((e) => ({ type: contract.type, subject: e.subject, data: e.data })));
    this.emitted = true;
    this.pending.push(p);
    return p;
  }

  /** Whoever committed this transaction calls this: its events are in the outbox now, the relay may publish them. */
  afterCommit(): void {
    if (this.emitted) this.emitter?.committed?.();
  }

  /** Waits for emits a caller forgot to await, so none can be lost by the commit racing it. */
  async settle(): Promise<void> {
    const p = this.pending;
    this.pending = [];
    await Promise.all(p);
  }
}

/** Values `Tx.once` has read in one database transaction, by tenant and key. */
export type TxReads = Map<string, Promise<unknown>>;

const readKey = (tenantId: string, key: string) => `${tenantId}\u0000${key}`;
const lockReadKey = (name: string, mode: 'shared' | 'exclusive') => `lock\u0000${mode}\u0000${name}`;
// Advisory locks are per database: the name, then the tenant (text: no NUL).
const tenantLockKey = (name: string, tenantId: string) => `${name}/${tenantId}`;

/**
 * A consumer's run takes its group's tenant locks shared (`Tx.lockTenant`) before anything else, for
 * every tenant of its events, in one order for all runs (sorted keys), so runs never wait for each
 * other in a cycle; the run's Txs then find them taken in `reads`.
 */
export async function lockTenantsShared(db: SqlRunner, reads: TxReads, tenantIds: readonly string[], names: readonly string[]): Promise<void> {
  const pairs = [...new Set(tenantIds)].flatMap((tenantId) => names.map((name) => ({ tenantId, name, key: tenantLockKey(name, tenantId) })));
  pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // A function scan returns the array's rows in order: the locks are taken in that order.
  await db.query(`SELECT pg_advisory_xact_lock_shared(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k`, [pairs.map((p) => p.key)]);
  for (const p of pairs) reads.set(readKey(p.tenantId, lockReadKey(p.name, 'shared')), Promise.resolve());
}

/** What a Tx emits through: the service's EventPublisher (outbox, topic, CloudEvents source, trace context). */
export type TxEmitter = Pick<EventPublisher, 'emit'> & Partial<Pick<EventPublisher, 'committed'>>;

/**
 * Runs `fn` in a transaction bound to one tenant: `app.tenant_id` is set for the transaction and the
 * role is switched to the RLS-bound app role, so Postgres itself refuses other tenants' rows.
 */
export interface TenantTxOptions {
  /** Run everything, then roll back: what a dry run reports without writing (an import's `--dry-run`). */
  rollback?: boolean;
}

export async function inTenantTx<T>(ds: DataSource, tenantId: string, fn: (tx: Tx) => Promise<T>, emitter?: TxEmitter, opts: TenantTxOptions = {}): Promise<T> {
  const qr = await beginTenantTx(ds, tenantId);
  let ended = false;
  try {
    const tx = new Tx(qr.manager, tenantId, emitter);
    const out = await fn(tx);
    await tx.settle();
    await qr.query(opts.rollback ? 'ROLLBACK' : 'COMMIT');
    ended = true;
    if (!opts.rollback) tx.afterCommit();
    return out;
  } finally {
    await endTenantTx(qr, ended ? 'done' : 'ROLLBACK');
  }
}

/**
 * Checks out a connection and opens a transaction on it bound to the tenant and the RLS-bound app
 * role. The one place a transaction's tenant binding is made (inTenantTx's, and the shared read-only
 * one of a query operation when there is no read pool; with one, the reads bind a read-pool session
 * instead, read-session.ts); the settings are transaction-local, so COMMIT or ROLLBACK returns the
 * connection to the pool with no tenant on it.
 */
export async function beginTenantTx(ds: DataSource, tenantId: string, { readOnly = false } = {}): Promise<QueryRunner> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    const literal = sqlLiteral(tenantId);
    const actor = sqlLiteral(currentActor());
    const begin = readOnly ? 'BEGIN READ ONLY' : 'BEGIN';
    // Hot path: BEGIN, the tenant binding and the actor the audit trail records travel in one round
    // trip (a simple-protocol batch).
    if (literal !== null && actor !== null)
      await qr.query(`${begin}; SELECT set_config('app.tenant_id', ${literal}, true), set_config('role', ${APP_ROLE_SQL}, true), set_config('app.actor_id', ${actor}, true)`);
    else {
      await qr.query(begin);
      await bindTenant(qr.manager, tenantId);
    }
  } catch (err) {
    await qr.query('ROLLBACK').catch(() => undefined);
    await qr.release();
    throw err;
  }
  markTransaction(qr, true);
  return qr;
}

/** Ends a transaction of beginTenantTx (`done`: the caller already committed or rolled back) and returns its connection. */
export async function endTenantTx(qr: QueryRunner, end: 'COMMIT' | 'ROLLBACK' | 'done'): Promise<void> {
  try {
    if (end === 'COMMIT') await qr.query('COMMIT');
    else if (end === 'ROLLBACK') await qr.query('ROLLBACK').catch(() => undefined);
  } finally {
    markTransaction(qr, false);
    await qr.release();
  }
}

/**
 * BEGIN went through raw SQL (to share a round trip with the tenant binding), so tell TypeORM a
 * transaction is active on this runner: code that asks (`isTransactionActive`) then reuses this
 * connection instead of opening a second one, and a nested `manager.transaction` becomes a savepoint.
 */
function markTransaction(qr: QueryRunner, active: boolean): void {
  (qr as { isTransactionActive: boolean }).isTransactionActive = active;
  (qr as unknown as { transactionDepth: number }).transactionDepth = active ? 1 : 0;
}

/**
 * Binds the current transaction to a tenant and the RLS-bound app role (consumers, schedulers), and
 * to the current actor (`app.actor_id`, what the audit triggers record: see db/audit.ts).
 */
export async function bindTenant(m: SqlRunner, tenantId: string): Promise<void> {
  await m.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', ${APP_ROLE_SQL}, true), set_config('app.actor_id', $2, true)`, [tenantId, currentActor()]);
}

/**
 * A string as an SQL literal, or null when it holds characters we do not inline (then the caller
 * uses a bind parameter). Safe with standard_conforming_strings (the default since PostgreSQL 9.1).
 */
function sqlLiteral(value: string): string | null {
  if (/[\\\0]/.test(value) || value.length > 200) return null;
  return `'${value.replace(/'/g, "''")}'`;
}
