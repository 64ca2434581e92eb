import { MODULES } from '@crm/events';
import { discardParkedOutbox, hasOutbox, listParkedOutbox, retryParkedOutbox, withAdminConnection, type ParkedOutboxRow, type Queryable } from '@crm/platform';

/**
 * `crm outbox failed|retry|discard`: the parked rows of the services' outboxes (events the broker
 * refused as too large; see the relay). Connects with DATABASE_URL; a service's schema is its name
 * unless `--schema` says otherwise (DB_SCHEMA of that service).
 */
export interface OutboxCommandOptions {
  databaseUrl?: string;
  service?: string;
  schema?: string;
  out?: (line: string) => void;
}

function databaseUrlOf(o: OutboxCommandOptions): string {
  const url = o.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) throw new Error('the outbox lives in PostgreSQL: set DATABASE_URL or pass --database-url');
  return url;
}

/** The schemas to look at: the one named, or every module's that has an outbox. */
async function schemas(q: Queryable, o: OutboxCommandOptions): Promise<string[]> {
  if (o.schema) return [o.schema];
  const names = o.service ? o.service.split(',').map((s) => s.trim()).filter(Boolean) : [...MODULES];
  const unknown = names.filter((n) => !(MODULES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown service(s): ${unknown.join(', ')} (known: ${MODULES.join(', ')})`);
  const found: string[] = [];
  for (const n of names) if (await hasOutbox(q, n)) found.push(n);
  if (o.service && !found.length) throw new Error(`no outbox in schema(s) ${names.join(', ')} (not migrated yet? use --schema if DB_SCHEMA differs)`);
  return found;
}

function describe(schema: string, r: ParkedOutboxRow): string {
  return (
    `${schema}  seq ${r.seq}  ${r.type}  key ${r.key}  tenant ${r.tenantId}  ${r.bytes} bytes  written ${r.createdAt.toISOString()}  parked ${r.failedAt.toISOString()}` +
    `${r.failures > 1 ? ` (${r.failures} times)` : ''}${r.held ? `  holding ${r.held} later event(s) of this ${r.topic} key` : ''}\n    ${r.error}`
  );
}

export async function outboxFailed(o: OutboxCommandOptions): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  return withAdminConnection(databaseUrlOf(o), async (q) => {
    let n = 0;
    for (const schema of await schemas(q, o)) {
      for (const r of await listParkedOutbox(q, schema)) {
        out(describe(schema, r));
        n += 1;
      }
    }
    out(n ? `${n} parked outbox row(s). \`crm outbox retry <seq> --service <name>\` once the broker can take them, or \`crm outbox discard <seq> --service <name>\`.` : 'no parked outbox rows');
    return n;
  });
}

const seqList = (seqs: string[]) => {
  const bad = seqs.filter((s) => !/^\d+$/.test(s));
  if (bad.length) throw new Error(`not an outbox seq: ${bad.join(', ')}`);
  return seqs;
};

export async function outboxRetry(seqs: string[], o: OutboxCommandOptions & { all?: boolean }): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  if (!o.all && !seqs.length) throw new Error('name the rows to retry (seq …) or pass --all');
  if (o.all && seqs.length) throw new Error('either seq … or --all, not both');
  return withAdminConnection(databaseUrlOf(o), async (q) => {
    const targets = await schemas(q, o);
    if (!o.all && targets.length > 1) throw new Error('a seq is per service: pass --service <name>');
    let n = 0;
    for (const schema of targets) {
      const released = await retryParkedOutbox(q, schema, o.all ? 'all' : seqList(seqs));
      if (released.length) out(`${schema}: released ${released.join(', ')} to the relay`);
      n += released.length;
    }
    if (!n) out('nothing to retry (no such parked row)');
    return n;
  });
}

export async function outboxDiscard(seqs: string[], o: OutboxCommandOptions): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  if (!seqs.length) throw new Error('name the rows to discard (seq …)');
  return withAdminConnection(databaseUrlOf(o), async (q) => {
    const targets = await schemas(q, o);
    if (targets.length !== 1) throw new Error('a seq is per service: pass --service <name>');
    const gone = await discardParkedOutbox(q, targets[0], seqList(seqs));
    out(gone.length ? `${targets[0]}: discarded ${gone.join(', ')} (never published)` : 'nothing to discard (no such parked row)');
    return gone.length;
  });
}
