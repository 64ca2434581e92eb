import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replica follows archive/restore (contact.archived / contact.restored). `archive_version` is
 * the contact version of the last archive or restore applied, kept apart from `version` (the
 * snapshot's): an archive seen before the contact's first snapshot must not make that snapshot look
 * stale, and a late archive must not undo a newer restore.
 */
export class ContactReplicaArchive1772000000100 implements MigrationInterface {
  name = 'ContactReplicaArchive1772000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_replica ADD COLUMN archived_at timestamptz, ADD COLUMN archive_version integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_replica DROP COLUMN archive_version, DROP COLUMN archived_at`);
  }
}
