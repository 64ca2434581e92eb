import type { DataSource, QueryRunner } from 'typeorm';
import type { SqlRunner } from '../db/sql';
import { beginTenantTx, endTenantTx, inTenantTx, Tx, type TxEmitter } from './tx';

interface Shared {
  ready: Promise<{ qr: QueryRunner; tx: Tx }>;
  /** Work in it failed: it is rolled back at the end (nothing of a failed use case is committed), later work gets its own. */
  broken: boolean;
}

/**
 * One transaction for all the reads of a GraphQL query operation: every resolver and DataLoader of
 * the request that runs `UnitOfWork.run` for the same tenant shares one connection and one
 * transaction (one BEGIN + tenant binding, one COMMIT), instead of one of each per resolver. A
 * customer-360 fans out to a dozen resolvers in a subgraph; each used to pay three round trips of
 * its own (bench/README.md). Mutations never share: each keeps its own transaction, committed before
 * its answer, so one failing mutation cannot undo another.
 *
 * Opened on first use, ended by the request plugin (graphql-options.ts) before the response is sent.
 * The binding is transaction-local (beginTenantTx), so the connection goes back to the pool with no
 * tenant. When work in it throws, the shared transaction is rolled back at the end (whatever the
 * failed work wrote is not committed, and after an SQL error Postgres has aborted it anyway) and
 * the request's later work gets a transaction of its own, as before.
 */
export class RequestTx {
  private readonly open = new Map<DataSource, Map<string, Shared>>();

  run<T>(ds: DataSource, tenantId: string, fn: (tx: Tx) => Promise<T>, emitter?: TxEmitter): Promise<T> {
    let byTenant = this.open.get(ds);
    if (!byTenant) this.open.set(ds, (byTenant = new Map()));
    let shared = byTenant.get(tenantId);
    if (!shared) {
      const ready = beginTenantTx(ds, tenantId).then((qr) => ({ qr, tx: new Tx(oneAtATime(qr.manager), tenantId, emitter) }));
      byTenant.set(tenantId, (shared = { ready, broken: false }));
    }
    const s = shared;
    if (s.broken) return inTenantTx(ds, tenantId, fn, emitter);
    return s.ready.then(async ({ tx }) => {
      if (s.broken) return inTenantTx(ds, tenantId, fn, emitter);
      try {
        return await fn(tx);
      } catch (err) {
        s.broken = true;
        throw err;
      }
    });
  }

  /** Commits every transaction the request opened (rolls back a broken one); the first commit error, if any. */
  async end(): Promise<unknown> {
    let failure: unknown;
    const all = [...this.open.values()].flatMap((m) => [...m.values()]);
    this.open.clear();
    await Promise.all(
      all.map(async (s) => {
        let opened: { qr: QueryRunner; tx: Tx };
        try {
          opened = await s.ready;
        } catch {
          return; // BEGIN failed: nothing is open, the resolvers saw the error
        }
        try {
          if (!s.broken) await opened.tx.settle();
          await endTenantTx(opened.qr, s.broken ? 'ROLLBACK' : 'COMMIT');
          if (!s.broken) opened.tx.afterCommit();
        } catch (err) {
          failure ??= err;
        }
      }),
    );
    return failure;
  }
}

/**
 * Concurrent resolvers share the connection: their statements are queued here, one at a time, as
 * the connection runs them anyway (pg deprecates handing a client a query while one is running).
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
