import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addJobActor, auditTable, unauditTable, type AuditedTable } from '@crm/platform';

/**
 * The audit trail of marketing (docs/audit.md): what users configure is recorded in `audit_log` by
 * the database. Not audited: projections of other modules' events, per-recipient delivery rows and
 * tracking (machine-written at campaign volume; the campaign's own status changes are audited), and
 * derived scores and memberships.
 */
export const MARKETING_AUDITED: AuditedTable[] = [
  { table: 'segments', entity: 'segment', ignore: ['evaluated_at'] },
  { table: 'campaigns', entity: 'campaign' },
  { table: 'campaign_variants', entity: 'campaign-variant', key: ['campaign_id', 'key'] },
  { table: 'campaign_steps', entity: 'campaign-step' },
  { table: 'forms', entity: 'form', ignore: ['submission_count'] },
  { table: 'scoring_rules', entity: 'scoring-rule' },
  { table: 'campaign_settings', entity: 'campaign-settings', key: ['tenant_id'] },
  { table: 'marketing_settings', entity: 'marketing-settings', key: ['tenant_id'] },
];

const MARKETING_JOB_TABLES = ['segment_sweeps', 'campaign_jobs', 'score_decay_jobs'];

export class MarketingAudit1796200000021 implements MigrationInterface {
  name = 'MarketingAudit1796200000021';

  async up(q: QueryRunner): Promise<void> {
    for (const t of MARKETING_AUDITED) await auditTable(q, t);
    // A job acts for whoever enqueued it (JobScheduler): a campaign's sends are the scheduling user's.
    for (const jobs of MARKETING_JOB_TABLES) await addJobActor(q, jobs);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of MARKETING_AUDITED) await unauditTable(q, t.table);
    for (const jobs of MARKETING_JOB_TABLES) await q.query(`ALTER TABLE ${jobs} DROP COLUMN actor_id`);
  }
}
