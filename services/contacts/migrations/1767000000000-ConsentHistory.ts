import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from '@crm/platform';

/**
 * Consent is evidence: `consents` holds the current state per contact and channel, this table
 * every change ever recorded (append-only). The app role may only read and append; UPDATE,
 * DELETE and TRUNCATE stay with the owner. Existing consents get one history row each (the
 * only evidence there is of them: who recorded them and which wording is unknown).
 */
export class ConsentHistory1767000000000 implements MigrationInterface {
  name = 'ConsentHistory1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consent_history (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL REFERENCES contacts (id),
        channel text NOT NULL,
        status text NOT NULL CHECK (status IN ('granted', 'withdrawn')),
        legal_basis text,
        source text,
        wording text,
        wording_version text,
        recorded_by text,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX consent_history_contact ON consent_history (tenant_id, contact_id, channel, recorded_at DESC, id DESC)`);
    // Backfill as the owner; FORCE RLS would hide every row from an owner that is not a superuser.
    await q.query(`ALTER TABLE consents NO FORCE ROW LEVEL SECURITY`);
    await q.query(
      `INSERT INTO consent_history (tenant_id, contact_id, channel, status, legal_basis, source, recorded_at)
       SELECT tenant_id, contact_id, channel, status, legal_basis, source, recorded_at FROM consents ORDER BY recorded_at, contact_id, channel`,
    );
    await q.query(`ALTER TABLE consents FORCE ROW LEVEL SECURITY`);
    await enableTenantIsolation(q, 'consent_history');
    // Append-only for the application: the schema's default privileges granted it UPDATE and DELETE too.
    const APP_ROLE = await appRole(q);
    await q.query(`REVOKE ALL ON consent_history FROM PUBLIC`);
    await q.query(`REVOKE ALL ON consent_history FROM ${APP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT ON consent_history TO ${APP_ROLE}`);
    await q.query(`GRANT USAGE ON SEQUENCE consent_history_id_seq TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent_history`);
  }
}
