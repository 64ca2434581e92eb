import type { DataSource, QueryRunner } from 'typeorm';
import type { SqlRunner } from '../db/sql';
import { hasReadPool, openReadSession, releaseReadSession } from './read-session';
import { beginTenantTx, endTenantTx, Tx } from './tx';
import { isDatabaseUnavailable } from './unavailable';

interface Shared {
  ready: Promise<{ qr: QueryRunner; tx: Tx }>;
  /** A read session (read pool), or a read-only transaction (no read pool: DB_READ_SESSIONS=false). */
  session: boolean;
  /** Later work of the request gets a new one: the session lost its connection, or work in the transaction failed (Postgres aborted it). */
  broken: boolean;
}

/**
 * One connection for all the reads of a GraphQL query operation: every resolver and DataLoader of
 * the request that runs `UnitOfWork.run` for the same tenant shares one read session
 * (read-session.ts: a read-only connection of the read pool, bound to the tenant for its session),
 * instead of one transaction per resolver. A customer-360 fans out to a dozen resolvers in a
 * subgraph; each used to pay three round trips of its own, then the request paid BEGIN and COMMIT
 * once; now a connection already bound to the tenant sends only the statements (bench/README.md).
 * Without a read pool (DB_READ_SESSIONS=false: a pooler in transaction mode in front of Postgres)
 * they share one read-only transaction instead. Mutations never share: each keeps its own
 * transaction on the write pool, committed before its answer.
 *
 * Opened on first use, ended by the request plugin (graphql-options.ts) before the response is
 * sent. Either way the reads are read-only: a write fails loudly, nothing needs committing.
 */
export class RequestTx {
  private readonly open = new Map<DataSource, Map<string, Shared>>();
  private readonly all: Shared[] = [];

  run<T>(ds: DataSource, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    let byTenant = this.open.get(ds);
    if (!byTenant) this.open.set(ds, (byTenant = new Map()));
    let shared = byTenant.get(tenantId);
    if (!shared || shared.broken) {
      const session = hasReadPool(ds);
      const opened = session ? openReadSession(ds, tenantId) : beginTenantTx(ds, tenantId, { readOnly: true });
      // A read session's connection is pipelined (read-session.ts): concurrent resolvers send at once.
      const ready = opened.then((qr) => ({ qr, tx: new Tx(session ? qr.manager : oneAtATime(qr.manager), tenantId) }));
      byTenant.set(tenantId, (shared = { ready, session, broken: false }));
      this.all.push(shared);
    }
    const s = shared;
    return s.ready.then(async ({ qr, tx }) => {
      try {
        return await fn(tx);
      } catch (err) {
        // An SQL error or a NOT_FOUND leaves an autocommit session as it was; a lost connection does not.
        if (!s.session || isDatabaseUnavailable(err) || qr.isReleased) s.broken = true;
        throw err;
      }
    });
  }

  /** Returns every connection the request used (a lost one was already discarded by the driver). */
  async end(): Promise<void> {
    const all = this.all.splice(0);
    this.open.clear();
    await Promise.all(
      all.map(async (s) => {
        const opened = await s.ready.catch(() => undefined); // the binding failed: nothing to return, the resolvers saw the error
        if (!opened) return;
        if (s.session) await releaseReadSession(opened.qr, s.broken ? new Error('the read session lost its connection') : undefined);
        // Read-only: a failed COMMIT loses nothing the answer reported.
        else await endTenantTx(opened.qr, s.broken ? 'ROLLBACK' : 'COMMIT').catch(() => undefined);
      }),
    );
  }
}

/**
 * Concurrent resolvers share the read-only transaction's connection: their statements are queued
 * here, one at a time, as the connection runs them anyway (pg deprecates handing a client that is
 * not pipelined a query while one is running; a transaction's connection is not).
 */
function oneAtATime(db: SqlRunner): SqlRunner {
  let last: Promise<unknown> = Promise.resolve();
  return {
    query(sql, params) {
      const next = last.then(() => db.query(sql, params));
      last = next.catch(() => undefined);
      return next;
    },
  };
}
