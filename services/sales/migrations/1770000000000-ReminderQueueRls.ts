import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableCrossTenantSweep } from '@crm/platform';

/**
 * The reminder queue holds ids and times only, but a tenant-bound transaction still must not see
 * (or delete) another tenant's reminders. The scheduler's sweep is the explicit cross-tenant path:
 * it takes due rows as the module login outside any tenant binding (cross_tenant_sweep), then binds
 * each row's tenant before touching the task, the outbox and the queue row (tenant_isolation).
 */
export class ReminderQueueRls1770000000000 implements MigrationInterface {
  name = 'ReminderQueueRls1770000000000';

  async up(q: QueryRunner): Promise<void> {
    await enableCrossTenantSweep(q, 'task_reminders', { tenantColumn: true });
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY cross_tenant_sweep ON task_reminders`);
    await q.query(`DROP POLICY tenant_isolation ON task_reminders`);
    await q.query(`ALTER TABLE task_reminders NO FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE task_reminders DISABLE ROW LEVEL SECURITY`);
  }
}
