import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The snapshot's additive fields (postal addresses, social handles, country, time zone, custom fields,
 * creation date): what routing to post and social, segments by country or custom field, and sending
 * in the recipient's time zone need. Null/empty for rows applied from snapshots that did not carry them.
 */
export class ContactReplicaReach1796160000000 implements MigrationInterface {
  name = 'ContactReplicaReach1796160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_replica
      ADD COLUMN addresses jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN social_handles jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN country text,
      ADD COLUMN time_zone text,
      ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}',
      ADD COLUMN contact_created_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_replica DROP COLUMN addresses, DROP COLUMN social_handles, DROP COLUMN country, DROP COLUMN time_zone, DROP COLUMN custom_fields, DROP COLUMN contact_created_at`);
  }
}
