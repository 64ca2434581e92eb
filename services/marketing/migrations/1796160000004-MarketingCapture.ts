import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createJobTable, enableTenantIsolation } from '@crm/platform';

/** Lead capture (web forms and their submissions) and lead scoring; every table under forced row-level security. */
export class MarketingCapture1796160000004 implements MigrationInterface {
  name = 'MarketingCapture1796160000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE marketing_settings (
        tenant_id text PRIMARY KEY,
        mql_threshold int NOT NULL DEFAULT 50,
        score_half_life_days int NOT NULL DEFAULT 30,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE forms (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        public_key text NOT NULL UNIQUE,
        name text NOT NULL,
        fields jsonb NOT NULL,
        consent_text text NOT NULL,
        consent_channels text[] NOT NULL,
        redirect_url text,
        thank_you_message text,
        lead_source text,
        tags text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
        submission_count int NOT NULL DEFAULT 0,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX forms_created ON forms (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE form_submissions (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        form_id uuid NOT NULL,
        contact_id uuid,
        contact_linked boolean NOT NULL DEFAULT false,
        email text,
        phone text,
        field_values jsonb NOT NULL DEFAULT '{}',
        consent_text text,
        consent_channels text[] NOT NULL DEFAULT '{}',
        attribution jsonb NOT NULL DEFAULT '{}',
        ip text,
        user_agent text,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz
      )`);
    await q.query(`CREATE INDEX form_submissions_form ON form_submissions (tenant_id, form_id, submitted_at DESC, id DESC)`);
    await q.query(`CREATE INDEX form_submissions_contact ON form_submissions (tenant_id, contact_id)`);
    await q.query(`CREATE INDEX form_submissions_email ON form_submissions (tenant_id, lower(email)) WHERE contact_linked = false`);
    await q.query(`
      CREATE TABLE scoring_rules (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('attribute', 'behaviour')),
        field text NOT NULL,
        value text,
        points int NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX scoring_rules_tenant ON scoring_rules (tenant_id, kind)`);
    await q.query(`
      CREATE TABLE lead_scores (
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL,
        score int NOT NULL DEFAULT 0,
        qualified_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id)
      )`);
    // The ledger behind a score: attribute matches (replaced on each re-evaluation) and behaviour points (appended, decaying).
    await q.query(`
      CREATE TABLE score_events (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL,
        rule_id uuid NOT NULL,
        rule_name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('attribute', 'behaviour')),
        points int NOT NULL,
        reason text NOT NULL,
        occurred_at timestamptz NOT NULL,
        source_event_id text
      )`);
    await q.query(`CREATE INDEX score_events_contact ON score_events (tenant_id, contact_id, occurred_at DESC)`);
    await q.query(`CREATE UNIQUE INDEX score_events_source ON score_events (tenant_id, source_event_id, rule_id, contact_id) WHERE source_event_id IS NOT NULL`);
    // A pending decay job per tenant that has scores; it enqueues the next one a day later. A duplicate is
    // harmless: a score is always recomputed from the ledger as of the job's time.
    await createJobTable(q, 'score_decay_jobs');
    for (const t of ['marketing_settings', 'forms', 'form_submissions', 'scoring_rules', 'lead_scores', 'score_events']) await enableTenantIsolation(q, t);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['score_decay_jobs', 'score_events', 'lead_scores', 'scoring_rules', 'form_submissions', 'forms', 'marketing_settings']) await q.query(`DROP TABLE ${t}`);
  }
}
