import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableCrossTenantSweep } from './platform-migration';

/**
 * The audit trail (docs/audit.md). Captured by the database, not by service code, so no write path
 * can forget it: each audited table of a module gets AFTER INSERT/UPDATE/DELETE statement-level
 * triggers with transition tables (`auditTable` in a migration), and each statement writes its rows'
 * entries into the module's `audit_log` with ONE INSERT … SELECT — a 20,000-row import is one more
 * set-based statement, not 20,000 trigger calls.
 *
 * An entry: tenant, when (the statement's clock time), who (`app.actor_id`, which every tenant
 * transaction binds from `currentActor()`: the request's user, the actor of the event or job being
 * handled, or `system`), what (entity, entity id, create/update/delete) and the changed fields as
 * `{ field: { old, new } }` — only fields that changed, without noise columns (AUDIT_NOISE_COLUMNS
 * and the table's own `ignore`). An UPDATE that changed nothing but noise writes no entry.
 * Several writes of one row in one transaction make one entry (audit_merge; see writeEntries).
 * `contact_id` names the contact whose personal data the entry may hold, so an erasure can scrub it.
 */
export const AUDIT_NOISE_COLUMNS = ['tenant_id', 'version', 'created_at', 'updated_at', 'search', 'search_text'] as const;

/** What an erasure leaves of a scrubbed value: the field changed, the value is gone. */
export const AUDIT_ERASED = { erased: true } as const;

/**
 * `audit_log` and the trigger functions, if not there yet. Idempotent: run by the platform migration
 * and again by `auditTable`, because a module's migration may be older than the platform's (a module
 * generated before it, whose first migration audits its table, runs first on a fresh database).
 */
export async function ensureAuditLog(q: QueryRunner): Promise<void> {
  const [{ present }] = await q.query(`SELECT to_regclass('audit_log') IS NOT NULL AS present`);
  if (!present) {
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_id text NOT NULL,
        entity text NOT NULL,
        entity_id text NOT NULL,
        action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
        changes jsonb NOT NULL,
        contact_id text,
        erased_at timestamptz,
        -- the entity id itself is personal data (an email address as key): an erasure replaces it too
        personal_key boolean NOT NULL DEFAULT false,
        tx_id bigint NOT NULL DEFAULT txid_current()
      )`);
    await enableCrossTenantSweep(q, 'audit_log', { tenantColumn: true });
  }
  await ensureAuditIndexes(q);
  await createAuditFunctions(q);
}

/**
 * The indexes of `audit_log`, each for a reader (EXPLAINed in bench/README.md, "Issue 11: the audit
 * trail's cost"):
 * - `audit_log_entity`: a record's history (`Contact.history`…, `auditLog(entity, id)`), the admin
 *   query's entity filter, and audit_capture's look-up of an entry its transaction already wrote;
 * - `audit_log_time`: the admin query by period or unfiltered (newest first);
 * - `audit_log_actor`: the admin query's user filter;
 * - `audit_log_contact`: the erasure scrub;
 * - `audit_log_age`: the retention sweep, across tenants.
 * No unique index per transaction (audit_capture merges without ON CONFLICT). Idempotent, so an
 * `audit_log` made by an earlier version (PlatformAuditCost1796300000400) and a new module's end
 * with the same indexes.
 */
async function ensureAuditIndexes(q: QueryRunner): Promise<void> {
  await q.query(`DROP INDEX IF EXISTS audit_log_per_tx`);
  await q.query(`CREATE INDEX IF NOT EXISTS audit_log_entity ON audit_log (tenant_id, entity, entity_id, occurred_at DESC, id DESC)`);
  await q.query(`CREATE INDEX IF NOT EXISTS audit_log_time ON audit_log (tenant_id, occurred_at DESC, id DESC)`);
  await q.query(`CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (tenant_id, actor_id, occurred_at DESC, id DESC)`);
  await q.query(`CREATE INDEX IF NOT EXISTS audit_log_contact ON audit_log (tenant_id, contact_id) WHERE contact_id IS NOT NULL`);
  // The retention purge runs as the module login with no tenant bound (cross_tenant_sweep).
  await q.query(`CREATE INDEX IF NOT EXISTS audit_log_age ON audit_log (occurred_at)`);
}

/**
 * The changes of a create (`side` new) or a delete (`side` old): every non-null, non-noise field of
 * `row` as `{field: {old: null, new: value}}` (or the reverse) — what `audit_diff(NULL, row, noise)`
 * gives, at about half its cost: the pairs are written as JSON text from one pass over the row's
 * fields and parsed once, instead of a jsonb object built per field and aggregated.
 */
function snapshotChanges(row: string, side: 'old' | 'new'): string {
  const other = side === 'new' ? 'old' : 'new';
  return `(SELECT coalesce('{' || string_agg(to_json(f.key)::text || ':{"${side}":' || f.value::text || ',"${other}":null}', ',') || '}', '{}')::jsonb
             FROM jsonb_each(${row} - noise) f WHERE f.value <> 'null'::jsonb)`;
}

/**
 * One statement's entries (`entries` yields tenant_id, entity_id, action, changes, contact_id) into
 * audit_log. One entry per record and transaction: the first statement of a transaction that writes
 * this entity inserts its entries as they are (no look-up, no unique index: a CSV import's batches
 * are all first writes); a later one merges into the entry its transaction already has for the same
 * record (found through audit_log_entity: a record has few entries) and inserts the rest. Which
 * entities a transaction has written is a transaction-local setting, so it is rolled back with a
 * savepoint together with the entries.
 */
function writeEntries(entries: string): string {
  return `IF first_write THEN
            INSERT INTO audit_log (tenant_id, occurred_at, actor_id, entity, entity_id, action, changes, contact_id, personal_key)
            SELECT e.tenant_id, audit_at, audit_actor, audited_entity, e.entity_id, e.action, e.changes, e.contact_id, key_is_personal FROM (${entries}) e;
          ELSE
            WITH earlier AS (
              SELECT e.*, (SELECT a.id FROM audit_log a WHERE a.tenant_id = e.tenant_id AND a.entity = audited_entity AND a.entity_id = e.entity_id AND a.tx_id = txid_current() LIMIT 1) AS earlier_id
                FROM (${entries}) e),
            merged AS (
              UPDATE audit_log a SET changes = audit_merge(a.changes, e.changes), occurred_at = audit_at,
                     action = CASE WHEN a.action = 'create' AND e.action = 'update' THEN 'create' ELSE e.action END
                FROM earlier e WHERE a.id = e.earlier_id)
            INSERT INTO audit_log (tenant_id, occurred_at, actor_id, entity, entity_id, action, changes, contact_id, personal_key)
            SELECT e.tenant_id, audit_at, audit_actor, audited_entity, e.entity_id, e.action, e.changes, e.contact_id, key_is_personal FROM earlier e WHERE e.earlier_id IS NULL;
          END IF;`;
}

async function createAuditFunctions(q: QueryRunner): Promise<void> {
  // The entity id of a row: its key columns' values joined with ':' (one column: the value itself).
  await q.query(`CREATE OR REPLACE FUNCTION audit_key(row_data jsonb, key_columns text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT string_agg(row_data->>c, ':' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS k(c, o) $$`);
  // {field: {old, new}} of the fields that differ (absent on one side = null there), noise excluded.
  await q.query(`CREATE OR REPLACE FUNCTION audit_diff(old_data jsonb, new_data jsonb, noise text[]) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
      SELECT coalesce(jsonb_object_agg(k, jsonb_build_object('old', coalesce(old_data->k, 'null'::jsonb), 'new', coalesce(new_data->k, 'null'::jsonb))), '{}'::jsonb)
        FROM (SELECT jsonb_object_keys(coalesce(old_data, '{}'::jsonb) || coalesce(new_data, '{}'::jsonb)) AS k) keys
       WHERE k <> ALL (noise) AND coalesce(old_data->k, 'null'::jsonb) IS DISTINCT FROM coalesce(new_data->k, 'null'::jsonb) $$`);
  // Two entries of one entity in one transaction: the first old value and the last new one per
  // field (fields back to where they started drop out); a create stays a create, a delete wins.
  await q.query(`CREATE OR REPLACE FUNCTION audit_merge(earlier jsonb, later jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
      SELECT coalesce(jsonb_object_agg(k, jsonb_build_object('old', o, 'new', n)), '{}'::jsonb) FROM (
        SELECT k, CASE WHEN earlier ? k THEN earlier->k->'old' ELSE later->k->'old' END AS o,
                  CASE WHEN later ? k THEN later->k->'new' ELSE earlier->k->'new' END AS n
          FROM jsonb_object_keys(earlier || later) AS k) merged
       WHERE o IS DISTINCT FROM n $$`);
  // One function for every audited table: TG_ARGV = entity, key columns, contact column ('' = none), noise columns, personal key ('1').
  // The transition tables have the same names on every trigger (auditTable), so the SQL is static.
  // The search path is the module schema's (the migration's), whoever writes: an operator's session
  // or a tool with another search_path writes the same entries into the same audit_log.
  await q.query(`CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      DECLARE
        audited_entity text := TG_ARGV[0];
        key_columns text[] := string_to_array(TG_ARGV[1], ',');
        contact_column text := nullif(TG_ARGV[2], '');
        noise text[] := string_to_array(TG_ARGV[3], ',');
        key_is_personal boolean := TG_ARGV[4] = '1';
        audit_actor text := coalesce(nullif(current_setting('app.actor_id', true), ''), 'system');
        audit_at timestamptz := clock_timestamp();
        -- ',<schema>.<entity>,' for every entity this transaction has written entries of (writeEntries)
        written text := coalesce(current_setting('crm_audit.written', true), '');
        written_key text := ',' || TG_TABLE_SCHEMA || '.' || audited_entity || ',';
        first_write boolean := position(written_key IN written) = 0;
      BEGIN
        IF first_write THEN
          PERFORM set_config('crm_audit.written', CASE WHEN written = '' THEN written_key ELSE written || substr(written_key, 2) END, true);
        END IF;
        IF TG_OP = 'INSERT' THEN
          ${writeEntries(`SELECT n->>'tenant_id' AS tenant_id, audit_key(n, key_columns) AS entity_id, 'create' AS action, ${snapshotChanges('n', 'new')} AS changes, n->>contact_column AS contact_id
              FROM (SELECT to_jsonb(r) AS n FROM audit_new r) rows`)}
        ELSIF TG_OP = 'UPDATE' THEN
          ${writeEntries(`SELECT n->>'tenant_id' AS tenant_id, nk AS entity_id, 'update' AS action, d AS changes, coalesce(n->>contact_column, o->>contact_column) AS contact_id
              FROM (SELECT to_jsonb(r) AS n, audit_key(to_jsonb(r), key_columns) AS nk FROM audit_new r) nn
              JOIN (SELECT to_jsonb(r) AS o, audit_key(to_jsonb(r), key_columns) AS ok FROM audit_old r) oo ON ok = nk
              CROSS JOIN LATERAL audit_diff(o, n, noise) AS d
             WHERE d <> '{}'::jsonb`)}
        ELSE
          ${writeEntries(`SELECT o->>'tenant_id' AS tenant_id, audit_key(o, key_columns) AS entity_id, 'delete' AS action, ${snapshotChanges('o', 'old')} AS changes, o->>contact_column AS contact_id
              FROM (SELECT to_jsonb(r) AS o FROM audit_old r) rows`)}
        END IF;
        RETURN NULL;
      END $$`);
}

export class PlatformAudit1796200000020 implements MigrationInterface {
  name = 'PlatformAudit1796200000020';

  async up(q: QueryRunner): Promise<void> {
    await ensureAuditLog(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION audit_capture() CASCADE');
    await q.query('DROP FUNCTION audit_diff(jsonb, jsonb, text[])');
    await q.query('DROP FUNCTION audit_merge(jsonb, jsonb)');
    await q.query('DROP FUNCTION audit_key(jsonb, text[])');
    await q.query('DROP TABLE audit_log');
  }
}

/**
 * The audit trail's cost (issue 11, bench/README.md): an existing `audit_log` loses the unique index
 * per transaction (entries are merged without ON CONFLICT) and the trigger functions write creates
 * and deletes more cheaply — the shape `ensureAuditLog` now gives a new module. Entries and their
 * format are unchanged.
 */
export class PlatformAuditCost1796300000400 implements MigrationInterface {
  name = 'PlatformAuditCost1796300000400';

  async up(q: QueryRunner): Promise<void> {
    await ensureAuditLog(q);
  }

  async down(q: QueryRunner): Promise<void> {
    // The functions stay: they write the same entries with or without this index.
    await q.query('CREATE UNIQUE INDEX audit_log_per_tx ON audit_log (tenant_id, tx_id, entity, entity_id)');
  }
}

export interface AuditedTable {
  /** The table (unqualified: the module schema). */
  table: string;
  /** The entity name entries carry and queries ask for, e.g. `contact`, `deal`. */
  entity: string;
  /** Columns whose values, joined with ':', are the entity id: the primary key (without tenant_id). Default `['id']`. */
  key?: string[];
  /** The key is personal data (an email address, a phone number): an erasure replaces the entity id too. */
  personalKey?: boolean;
  /** The column naming the contact whose personal data a row holds (`id` on contacts, `contact_id` on a consent): an erasure scrubs its entries. */
  contactColumn?: string;
  /** Columns never recorded besides AUDIT_NOISE_COLUMNS (derived or bulky ones). */
  ignore?: string[];
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** Migration helper: audits a table (three statement-level triggers; see the top of this file). */
export async function auditTable(q: QueryRunner, t: AuditedTable): Promise<void> {
  const key = t.key ?? ['id'];
  const noise = [...AUDIT_NOISE_COLUMNS, ...(t.ignore ?? [])];
  for (const name of [t.table, ...key, ...noise, ...(t.contactColumn ? [t.contactColumn] : [])]) {
    if (!IDENT.test(name)) throw new Error(`auditTable: "${name}" is not a plain SQL identifier`);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(t.entity)) throw new Error(`auditTable: entity "${t.entity}" must be lower-case words joined by -`);
  await ensureAuditLog(q);
  const args = [t.entity, key.join(','), t.contactColumn ?? '', noise.join(','), t.personalKey ? '1' : ''].map((a) => `'${a}'`).join(', ');
  // Transition tables allow one event per trigger: three triggers, one function.
  await q.query(`CREATE TRIGGER ${t.table}_audit_insert AFTER INSERT ON ${t.table} REFERENCING NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION audit_capture(${args})`);
  await q.query(
    `CREATE TRIGGER ${t.table}_audit_update AFTER UPDATE ON ${t.table} REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION audit_capture(${args})`,
  );
  await q.query(`CREATE TRIGGER ${t.table}_audit_delete AFTER DELETE ON ${t.table} REFERENCING OLD TABLE AS audit_old FOR EACH STATEMENT EXECUTE FUNCTION audit_capture(${args})`);
}

/** Migration helper (down): the table is no longer audited; its entries stay. */
export async function unauditTable(q: QueryRunner, table: string): Promise<void> {
  for (const op of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER IF EXISTS ${table}_audit_${op} ON ${table}`);
}
