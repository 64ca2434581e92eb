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
 * Several writes of one row in one transaction make one entry (audit_merge).
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
    // One entry per entity and transaction: a use case that writes a row in two statements (fields,
    // then a derived display name) or creates then completes it records one change, not two.
    await q.query(`CREATE UNIQUE INDEX audit_log_per_tx ON audit_log (tenant_id, tx_id, entity, entity_id)`);
    await q.query(`CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity, entity_id, occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_time ON audit_log (tenant_id, occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_contact ON audit_log (tenant_id, contact_id) WHERE contact_id IS NOT NULL`);
    // The retention purge runs as the module login with no tenant bound (cross_tenant_sweep).
    await q.query(`CREATE INDEX audit_log_age ON audit_log (occurred_at)`);
    await enableCrossTenantSweep(q, 'audit_log', { tenantColumn: true });
  }

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
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO audit_log (tenant_id, occurred_at, actor_id, entity, entity_id, action, changes, contact_id, personal_key)
          SELECT n->>'tenant_id', audit_at, audit_actor, audited_entity, audit_key(n, key_columns), 'create', audit_diff(NULL, n, noise), n->>contact_column, key_is_personal
            FROM (SELECT to_jsonb(r) AS n FROM audit_new r) rows
          ON CONFLICT (tenant_id, tx_id, entity, entity_id) DO UPDATE
            SET changes = audit_merge(audit_log.changes, EXCLUDED.changes), occurred_at = EXCLUDED.occurred_at,
                action = CASE WHEN audit_log.action = 'create' AND EXCLUDED.action = 'update' THEN 'create' ELSE EXCLUDED.action END;
        ELSIF TG_OP = 'UPDATE' THEN
          INSERT INTO audit_log (tenant_id, occurred_at, actor_id, entity, entity_id, action, changes, contact_id, personal_key)
          SELECT n->>'tenant_id', audit_at, audit_actor, audited_entity, nk, 'update', d, coalesce(n->>contact_column, o->>contact_column), key_is_personal
            FROM (SELECT to_jsonb(r) AS n, audit_key(to_jsonb(r), key_columns) AS nk FROM audit_new r) nn
            JOIN (SELECT to_jsonb(r) AS o, audit_key(to_jsonb(r), key_columns) AS ok FROM audit_old r) oo ON ok = nk
            CROSS JOIN LATERAL audit_diff(o, n, noise) AS d
           WHERE d <> '{}'::jsonb
          ON CONFLICT (tenant_id, tx_id, entity, entity_id) DO UPDATE
            SET changes = audit_merge(audit_log.changes, EXCLUDED.changes), occurred_at = EXCLUDED.occurred_at,
                action = CASE WHEN audit_log.action = 'create' AND EXCLUDED.action = 'update' THEN 'create' ELSE EXCLUDED.action END;
        ELSE
          INSERT INTO audit_log (tenant_id, occurred_at, actor_id, entity, entity_id, action, changes, contact_id, personal_key)
          SELECT o->>'tenant_id', audit_at, audit_actor, audited_entity, audit_key(o, key_columns), 'delete', audit_diff(o, NULL, noise), o->>contact_column, key_is_personal
            FROM (SELECT to_jsonb(r) AS o FROM audit_old r) rows
          ON CONFLICT (tenant_id, tx_id, entity, entity_id) DO UPDATE
            SET changes = audit_merge(audit_log.changes, EXCLUDED.changes), occurred_at = EXCLUDED.occurred_at,
                action = CASE WHEN audit_log.action = 'create' AND EXCLUDED.action = 'update' THEN 'create' ELSE EXCLUDED.action END;
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
