import type { MigrationInterface, QueryRunner } from 'typeorm';
import { auditTable, unauditTable, type AuditedTable } from '@crm/platform';

/**
 * The directory's writes in the audit trail (docs/audit.md): who provisioned, edited, deactivated a
 * user or changed their roles, who changed a team or its members, who changed the tenant profile.
 * The directory and the audit trail were built side by side, hence a migration of its own.
 */
export const DIRECTORY_AUDITED: AuditedTable[] = [
  { table: 'users', entity: 'user', key: ['user_id'], ignore: ['key'] },
  { table: 'teams', entity: 'team' },
  { table: 'team_members', entity: 'team-member', key: ['team_id', 'user_id'] },
  { table: 'tenant_profiles', entity: 'tenant-profile', key: ['tenant_id'] },
];

export class DirectoryAudit1796200000022 implements MigrationInterface {
  name = 'DirectoryAudit1796200000022';

  async up(q: QueryRunner): Promise<void> {
    for (const t of DIRECTORY_AUDITED) await auditTable(q, t);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of DIRECTORY_AUDITED) await unauditTable(q, t.table);
  }
}
