import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users an admin creates ahead of their first sign-in (createUser): `awaiting_sign_in` is true until
 * the user first signs in, when provisioning keeps what the admin set (name, roles, team) and fills
 * in only what the token's claims add (email, time zone, locale left empty). Every existing user
 * was provisioned by signing in: false.
 */
export class UsersAheadOfSignIn1796300000200 implements MigrationInterface {
  name = 'UsersAheadOfSignIn1796300000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN awaiting_sign_in boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN awaiting_sign_in`);
  }
}
