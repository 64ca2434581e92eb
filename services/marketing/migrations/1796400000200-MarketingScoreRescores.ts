import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addJobActor, createJobTable, enableTenantIsolation } from '@crm/platform';

/**
 * Scores recomputed after a rule change in the background (scoring/score-rescores.ts) instead of in
 * the mutation's transaction: `score_rescores` holds the contacts still to do, one row per contact
 * (`rematch`: match the attribute rules again; `rescore`: recompute the score from the ledger even
 * if the matches stay), and `score_rescore_jobs` one job per tenant with rows left, which does them
 * a chunk at a time.
 */
export class MarketingScoreRescores1796400000200 implements MigrationInterface {
  name = 'MarketingScoreRescores1796400000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE score_rescores (
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL,
        rematch boolean NOT NULL,
        rescore boolean NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (tenant_id, contact_id)
      )`);
    await enableTenantIsolation(q, 'score_rescores');
    await createJobTable(q, 'score_rescore_jobs');
    await addJobActor(q, 'score_rescore_jobs');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE score_rescore_jobs`);
    await q.query(`DROP TABLE score_rescores`);
  }
}
