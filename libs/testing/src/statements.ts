/** What `recordStatements` needs of a TypeORM DataSource (structural: this library does not depend on TypeORM). */
interface QueryRunnerSource {
  createQueryRunner(...args: any[]): { query(sql: string, ...rest: any[]): Promise<any> };
}

/** One statement a service sent, with its bind parameters. */
export interface RecordedStatement {
  sql: string;
  params: unknown[];
}

/**
 * Records every statement a service's DataSource sends while `when()` holds (e.g. during a GraphQL
 * request: `() => !!requestStore.getStore()`):
 * - `statements`: with their parameters, transaction control and tenant bindings excluded — to
 *   EXPLAIN exactly what the service runs (a `BEGIN; SELECT set_config(…)` that opens a transaction
 *   and binds its tenant, or a read session's binding, is not the service's own statement);
 * - `sent`: every round trip as sent, control included (each query call is one);
 * - `counts`: transactions opened, read sessions (re)bound to a tenant outside a transaction, and
 *   round trips other than a bare BEGIN / COMMIT / ROLLBACK (bindings included), all round trips.
 * `keep: false` only counts (a benchmark under load must not hold every statement). `restore()`
 * puts the DataSource back.
 */
export function recordStatements(ds: QueryRunnerSource, when: () => boolean = () => true, { keep = true } = {}) {
  const statements: RecordedStatement[] = [];
  const sent: string[] = [];
  const counts = { transactions: 0, bindings: 0, statements: 0, roundTrips: 0 };
  const create = ds.createQueryRunner.bind(ds);
  ds.createQueryRunner = (...args: any[]) => {
    const qr = create(...args);
    const query = qr.query.bind(qr);
    qr.query = (statement: string | { text: string }, params?: unknown[], ...rest: any[]) => {
      // A prepared statement (`Tx.prepared`) arrives as the driver's query config.
      const sql = typeof statement === 'string' ? statement : statement.text;
      if (when()) {
        // A read session's binding (session-level: `…, false)`); a transaction's is control of its BEGIN.
        const binding = /^\s*SELECT set_config\('app\.tenant_id', \$1, false\)/i.test(sql);
        const control = binding || /^\s*(BEGIN|COMMIT|ROLLBACK)\b/i.test(sql);
        if (/^\s*BEGIN\b/i.test(sql)) counts.transactions++;
        if (binding) counts.bindings++;
        counts.roundTrips++;
        if (!/^\s*(BEGIN|COMMIT|ROLLBACK)\s*$/i.test(sql)) counts.statements++;
        if (keep) {
          sent.push(sql.trim());
          if (!control) statements.push({ sql, params: params ?? [] });
        }
      }
      return query(statement as string, params, ...rest);
    };
    return qr;
  };
  return { statements, sent, counts, transactions: () => counts.transactions, restore: () => (ds.createQueryRunner = create) };
}

/** The nodes of an EXPLAIN (FORMAT JSON) plan, depth first: "Index Scan contacts_created", "BitmapAnd", "Sort" … */
export function planNodes(plan: { 'Node Type': string; 'Index Name'?: string; Plans?: any[] }): string[] {
  const name = plan['Index Name'] ? `${plan['Node Type']} ${plan['Index Name']}` : plan['Node Type'];
  return [name, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** The first node of an EXPLAIN (FORMAT JSON) plan, depth first, that reads through `indexName` (its `Actual Rows` tell how far a scan went). */
export function planNodeOn(plan: { 'Index Name'?: string; Plans?: any[] }, indexName: string): Record<string, any> | undefined {
  if (plan['Index Name'] === indexName) return plan;
  for (const child of plan.Plans ?? []) {
    const found = planNodeOn(child, indexName);
    if (found) return found;
  }
  return undefined;
}
