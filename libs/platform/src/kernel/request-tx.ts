import type { DataSource, QueryRunner } from 'typeorm';
import type { SqlRunner } from '../db/sql';
import { openReadSession, releaseReadSession } from './read-session';
import { Tx } from './tx';
import { isDatabaseUnavailable } from './unavailable';

interface Shared {
  ready: Promise<{ qr: QueryRunner; tx: Tx }>;
  /** Its connection was lost: later work of the request gets a session of its own. */
  broken: boolean;
}

/**
 * One connection for all the reads of a GraphQL query operation: every resolver and DataLoader of
 * the request that runs `UnitOfWork.run` for the same tenant shares one read session
 * (read-session.ts: a read-only connection of the read pool, bound to the tenant for its session),
 * instead of one transaction per resolver. A customer-360 fans out to a dozen resolvers in a
 * subgraph; each used to pay three round trips of its own, then the request paid BEGIN and COMMIT
 * once; now a connection already bound to the tenant sends only the statements (bench/README.md).
 * Mutations never share: each keeps its own transaction on the write pool, committed before its
 * answer.
 *
 * Opened on first use, returned to the read pool by the request plugin (graphql-options.ts) before
 * the response is sent. Nothing is committed: the session is read-only, so a write fails loudly.
 */
export class RequestTx {
  private readonly open = new Map<DataSource, Map<string, Shared>>();
  private readonly all: Shared[] = [];

  run<T>(ds: DataSource, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    let byTenant = this.open.get(ds);
    if (!byTenant) this.open.set(ds, (byTenant = new Map()));
    let shared = byTenant.get(tenantId);
    if (!shared || shared.broken) {
      const ready = openReadSession(ds, tenantId).then((qr) => ({ qr, tx: new Tx(oneAtATime(qr.manager), tenantId) }));
      byTenant.set(tenantId, (shared = { ready, broken: false }));
      this.all.push(shared);
    }
    const s = shared;
    return s.ready.then(async ({ tx }) => {
      try {
        return await fn(tx);
      } catch (err) {
        // An SQL error or a NOT_FOUND leaves an autocommit session as it was; a lost connection does not.
        if (isDatabaseUnavailable(err)) s.broken = true;
        throw err;
      }
    });
  }

  /** Returns every connection the request used to the read pool (a lost one was already discarded by the driver). */
  async end(): Promise<void> {
    const all = this.all.splice(0);
    this.open.clear();
    await Promise.all(
      all.map(async (s) => {
        const opened = await s.ready.catch(() => undefined); // the binding failed: nothing to return, the resolvers saw the error
        if (opened) await releaseReadSession(opened.qr, s.broken ? new Error('the read session lost its connection') : undefined);
      }),
    );
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
