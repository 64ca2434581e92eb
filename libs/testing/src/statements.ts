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
 * request: `() => !!requestStore.getStore()`), transaction control excluded, with its parameters —
 * to EXPLAIN exactly what the service runs. `restore()` puts the DataSource back.
 */
export function recordStatements(ds: QueryRunnerSource, when: () => boolean = () => true) {
  const statements: RecordedStatement[] = [];
  const create = ds.createQueryRunner.bind(ds);
  ds.createQueryRunner = (...args: any[]) => {
    const qr = create(...args);
    const query = qr.query.bind(qr);
    qr.query = (sql: string, params?: unknown[], ...rest: any[]) => {
      if (when() && !/^\s*(BEGIN|COMMIT|ROLLBACK)\b/i.test(sql)) statements.push({ sql, params: params ?? [] });
      return query(sql, params, ...rest);
    };
    return qr;
  };
  return { statements, restore: () => (ds.createQueryRunner = create) };
}

/** The nodes of an EXPLAIN (FORMAT JSON) plan, depth first: "Index Scan contacts_created", "BitmapAnd", "Sort" … */
export function planNodes(plan: { 'Node Type': string; 'Index Name'?: string; Plans?: any[] }): string[] {
  const name = plan['Index Name'] ? `${plan['Node Type']} ${plan['Index Name']}` : plan['Node Type'];
  return [name, ...(plan.Plans ?? []).flatMap(planNodes)];
}
