import { badUserInput, invalidField, type SqlParams, type Tx } from '@crm/platform';
import type { TeamSnapshot, TenantProfileSnapshot, UserSnapshot } from '@crm/events';

/** A user as a module's directory replica holds them. */
export interface ReplicaUser {
  userId: string;
  version: number;
  name: string;
  email: string | null;
  active: boolean;
  timeZone: string | null;
  locale: string | null;
  roles: string[];
}

/** A team as the replica holds it. */
export interface ReplicaTeam {
  teamId: string;
  version: number;
  name: string;
  leadId: string | null;
  memberIds: string[];
  archived: boolean;
}

/** The tenant profile as the replica holds it (the tenant-profile.updated payload without `changed`). */
export type ReplicaTenantProfile = TenantProfileSnapshot;

const toUser = (r: Record<string, any>): ReplicaUser => ({
  userId: r.user_id, version: r.version, name: r.name, email: r.email, active: r.active, timeZone: r.time_zone, locale: r.locale, roles: r.roles,
});
const toTeam = (r: Record<string, any>): ReplicaTeam => ({
  teamId: r.team_id, version: r.version, name: r.name, leadId: r.lead_id, memberIds: r.member_ids, archived: r.archived,
});

/**
 * A module's projection of the tenant's directory (contacts is its one writer), fed by the
 * directory events through DirectoryReplicaEvents: each event carries the whole aggregate, so a row
 * is replaced only by a newer version (redelivered or reordered events change nothing).
 *
 * **The owner rule every module applies** (requireOwners / rejectedOwners): an owner must be an
 * active user of the tenant. The signed-in user is always accepted as owner (they hold a verified
 * token; contacts provisions them on their first request, which may not have reached this replica
 * yet, or contacts may not be deployed at all). Any other owner is refused when unknown or
 * deactivated — but only once this module has seen the tenant's directory (at least one user): a
 * module deployed without contacts, or before its first directory event arrived, cannot tell a
 * colleague from a typo and accepts the id as given rather than refusing every owner but the caller.
 */
export class DirectoryReplica {
  async applyUser(tx: Tx, u: UserSnapshot): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO directory_users (tenant_id, user_id, version, name, email, active, time_zone, locale, roles)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[])
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, email = EXCLUDED.email, active = EXCLUDED.active,
         time_zone = EXCLUDED.time_zone, locale = EXCLUDED.locale, roles = EXCLUDED.roles, updated_at = now()
       WHERE directory_users.version < EXCLUDED.version
       RETURNING user_id`,
      [tx.tenantId, u.userId, u.version, u.name, u.email, u.active, u.timeZone, u.locale, u.roles],
    );
    return rows.length > 0;
  }

  async applyTeam(tx: Tx, t: TeamSnapshot): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO directory_teams (tenant_id, team_id, version, name, lead_id, member_ids, archived) VALUES ($1, $2, $3, $4, $5, $6::text[], $7)
       ON CONFLICT (tenant_id, team_id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, lead_id = EXCLUDED.lead_id,
         member_ids = EXCLUDED.member_ids, archived = EXCLUDED.archived, updated_at = now()
       WHERE directory_teams.version < EXCLUDED.version
       RETURNING team_id`,
      [tx.tenantId, t.teamId, t.version, t.name, t.leadId, t.memberIds, t.archived],
    );
    return rows.length > 0;
  }

  async applyTenantProfile(tx: Tx, p: TenantProfileSnapshot & { changed?: string[] }): Promise<boolean> {
    const { changed: _changed, ...profile } = p;
    const rows = await tx.query(
      `INSERT INTO directory_tenant_profile (tenant_id, version, profile) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (tenant_id) DO UPDATE SET version = EXCLUDED.version, profile = EXCLUDED.profile, updated_at = now()
       WHERE directory_tenant_profile.version < EXCLUDED.version
       RETURNING tenant_id`,
      [tx.tenantId, p.version, JSON.stringify(profile)],
    );
    return rows.length > 0;
  }

  /** The user, or null when this module has not seen them. */
  async user(tx: Tx, userId: string): Promise<ReplicaUser | null> {
    const [u] = await this.users(tx, [userId]);
    return u;
  }

  /** One query for many ids; result[i] belongs to ids[i] (null if unknown): the shape of a DataLoader batch. */
  async users(tx: Tx, userIds: readonly string[]): Promise<(ReplicaUser | null)[]> {
    if (!userIds.length) return [];
    const rows = await tx.query(`SELECT * FROM directory_users WHERE tenant_id = $1 AND user_id = ANY($2::text[])`, [tx.tenantId, [...new Set(userIds)]]);
    const byId = new Map(rows.map((r) => [r.user_id as string, toUser(r)]));
    return userIds.map((id) => byId.get(id) ?? null);
  }

  async team(tx: Tx, teamId: string): Promise<ReplicaTeam | null> {
    const r = await tx.maybeOne(`SELECT * FROM directory_teams WHERE tenant_id = $1 AND team_id = $2::uuid`, [tx.tenantId, teamId]);
    return r ? toTeam(r) : null;
  }

  /** The tenant profile, or null until an admin set it (or before its event reached this module): callers fall back to their own defaults. */
  async tenantProfile(tx: Tx): Promise<ReplicaTenantProfile | null> {
    const r = await tx.maybeOne<{ profile: ReplicaTenantProfile }>(`SELECT profile FROM directory_tenant_profile WHERE tenant_id = $1`, [tx.tenantId]);
    return r?.profile ?? null;
  }

  /** Whether any directory event of the tenant reached this module (the owner rule is enforced from then on). */
  async seenDirectory(tx: Tx): Promise<boolean> {
    return !!(await tx.maybeOne(`SELECT 1 FROM directory_users WHERE tenant_id = $1 LIMIT 1`, [tx.tenantId]));
  }

  /**
   * Of a batch's owner ids, those the owner rule refuses, with the reason (one or two queries
   * whatever the batch size): for imports, which report a bad owner per row.
   */
  async rejectedOwners(tx: Tx, signedInUserId: string, ownerIds: readonly (string | null | undefined)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ownerIds.filter((o): o is string => typeof o === 'string' && o !== signedInUserId))];
    const out = new Map<string, string>();
    if (!wanted.length || !(await this.seenDirectory(tx))) return out;
    const found = await this.users(tx, wanted);
    wanted.forEach((id, i) => {
      const u = found[i];
      if (!u) out.set(id, `${id} is not a user of this tenant`);
      else if (!u.active) out.set(id, `user ${id} is deactivated`);
    });
    return out;
  }

  /** BAD_USER_INPUT naming each field whose owner the rule refuses (null/undefined owners are not checked). */
  async requireOwners(tx: Tx, signedInUserId: string, owners: { field: string; ownerId: string | null | undefined }[]): Promise<void> {
    const bad = await this.rejectedOwners(tx, signedInUserId, owners.map((o) => o.ownerId));
    const fields = owners.filter((o) => o.ownerId && bad.has(o.ownerId)).map((o) => ({ field: o.field, message: bad.get(o.ownerId!)! }));
    if (fields.length === 1) throw invalidField(fields[0].field, fields[0].message);
    if (fields.length) throw badUserInput(fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
  }
}

/**
 * A list's team filter (`teamId`) over the module's directory replica: the SQL condition "`column`
 * names a member of the team", binding the team id through `q`. A team this module has not seen has
 * no members, so the list is empty. Row-level security keeps the team lookup in the caller's tenant.
 */
export function teamMemberSql(q: SqlParams, column: string, teamId: string): string {
  return `${column} IN (SELECT unnest(t.member_ids) FROM directory_teams t WHERE t.team_id = ${q.p(teamId)}::uuid)`;
}
