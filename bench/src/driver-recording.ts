import pg from 'pg';

/** A statement as the `pg` driver was asked to run it. */
export interface Statement {
  text: string;
  values?: unknown[];
  name?: string;
  client?: pg.Client;
}

/** Records what the driver is asked to run while `on` is set (the service and the bench share the `pg` module). */
export function recordDriver() {
  const recorded: Statement[] = [];
  let on = false;
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, ...rest: unknown[]) {
    if (on) recorded.push(typeof config === 'string' ? { text: config, values: values as unknown[], client: this } : { ...(config as Statement), values: (config as Statement).values ?? (values as unknown[]), client: this });
    return query.call(this, config, values, ...rest);
  } as typeof pg.Client.prototype.query;
  return { recorded, start: () => (on = true), stop: () => ((on = false), (pg.Client.prototype.query = query as typeof pg.Client.prototype.query)) };
}

/**
 * The first tenant-bound transaction in a recording, as its connection sent it: from `BEGIN [READ
 * ONLY]; SELECT set_config(…)` to COMMIT (other connections of the process — relay, consumers — may run statements
 * meanwhile, so only the connection that began it counts). Text and values only.
 */
export function firstTransaction(recorded: Statement[]): Statement[] {
  const begin = recorded.findIndex((s) => /^BEGIN( READ ONLY)?; SELECT set_config/.test(s.text));
  if (begin < 0) throw new Error('no tenant-bound transaction was recorded');
  const tx: Statement[] = [];
  for (const s of recorded.slice(begin)) {
    if (s.client !== recorded[begin].client) continue;
    tx.push({ text: s.text, values: s.values });
    if (s.text === 'COMMIT') break;
  }
  return tx;
}
