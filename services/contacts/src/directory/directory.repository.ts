import { Injectable } from '@nestjs/common';
import { SqlParams, type KeysetPage, type KeysetRow, type Tx } from '@crm/platform';
import type { TeamSnapshot, TenantProfileSnapshot, UserSnapshot } from '@crm/events';

export type UserRow = {
  user_id: string;
  key: string;
  name: string;
  email: string | null;
  active: boolean;
  time_zone: string | null;
  locale: string | null;
  roles: string[];
  /** Created by an admin (createUser), not signed in yet. */
  awaiting_sign_in: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
};

/** What provisioning writes of a user (from the token's claims, or from an admin's createUser). */
export interface NewUser {
  userId: string;
  name: string;
  email: string | null;
  timeZone: string | null;
  locale: string | null;
  roles: string[];
}

/** What a first sign-in may fill in of a user an admin created: the fields the admin left empty. */
const FILLED_BY_SIGN_IN = { email: 'email', timeZone: 'time_zone', locale: 'locale' } as const;

export type TeamRow = {
  id: string;
  name: string;
  lead_id: string | null;
  archived_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  member_ids: string[];
};

export type TenantProfileRow = {
  legal_name: string | null;
  address: TenantProfileSnapshot['address'];
  vat_id: string | null;
  logo_url: string | null;
  default_currency: string;
  time_zone: string;
  locale: string;
  fiscal_year_start_month: number;
  version: number;
  updated_at: Date;
};

export interface UserFilterValue {
  search?: string | null;
  active?: boolean | null;
  teamId?: string | null;
}

export const userSnapshotOf = (u: UserRow): UserSnapshot => ({
  userId: u.user_id, version: u.version, name: u.name, email: u.email, active: u.active, timeZone: u.time_zone, locale: u.locale,
  roles: u.roles as UserSnapshot['roles'],
});
export const teamSnapshotOf = (t: TeamRow): TeamSnapshot => ({
  teamId: t.id, version: t.version, name: t.name, leadId: t.lead_id, memberIds: t.member_ids, archived: t.archived_at !== null,
});
export const tenantProfileSnapshotOf = (p: TenantProfileRow): TenantProfileSnapshot => ({
  version: p.version, legalName: p.legal_name, address: p.address, vatId: p.vat_id, logoUrl: p.logo_url, defaultCurrency: p.default_currency,
  timeZone: p.time_zone, locale: p.locale, fiscalYearStartMonth: p.fiscal_year_start_month,
});

const TEAM_SELECT = `SELECT t.*, coalesce((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM team_members m WHERE m.tenant_id = t.tenant_id AND m.team_id = t.id), '{}') AS member_ids FROM teams t`;

/** All of the directory's SQL: users, teams and their members, the tenant profile. */
@Injectable()
export class DirectoryRepository {
  /**
   * Inserts the user unless they exist (an admin's edits are never overwritten by token claims); the
   * row if it was new. `aheadOfSignIn`: an admin creates them before their first sign-in.
   */
  async provision(tx: Tx, u: NewUser, aheadOfSignIn = false): Promise<UserRow | null> {
    return (await tx.maybeOne<UserRow>(
      `INSERT INTO users (tenant_id, user_id, name, email, time_zone, locale, roles, awaiting_sign_in) VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8)
       ON CONFLICT (tenant_id, user_id) DO NOTHING RETURNING *`,
      [tx.tenantId, u.userId, u.name, u.email, u.timeZone, u.locale, u.roles, aheadOfSignIn],
    )) ?? null;
  }

  /**
   * The first sign-in of a user an admin created ahead of it: what the admin set stays (name, roles,
   * team, and any email, time zone, locale given); what the admin left empty is filled from the
   * claims. Returns the row and the fields filled (version bumped only if any), or null if the user
   * is not awaiting their first sign-in (the usual case: one indexed read).
   */
  async completeFirstSignIn(tx: Tx, claims: NewUser): Promise<{ row: UserRow; filled: string[] } | null> {
    const before = await tx.maybeOne<UserRow>(`SELECT * FROM users WHERE user_id = $1 AND awaiting_sign_in FOR UPDATE`, [claims.userId]);
    if (!before) return null;
    const filled = (Object.keys(FILLED_BY_SIGN_IN) as (keyof typeof FILLED_BY_SIGN_IN)[]).filter((k) => before[FILLED_BY_SIGN_IN[k]] === null && claims[k] !== null);
    const q = new SqlParams(claims.userId);
    const sets = q.set({ awaiting_sign_in: false, ...Object.fromEntries(filled.map((k) => [FILLED_BY_SIGN_IN[k], claims[k]])) });
    const row = await tx.one<UserRow>(
      `UPDATE users SET ${sets}${filled.length ? ', version = version + 1, updated_at = now()' : ''} WHERE user_id = $1 RETURNING *`,
      q.values,
    );
    return { row, filled };
  }

  async user(tx: Tx, userId: string, lock = false): Promise<UserRow | null> {
    return (await tx.maybeOne<UserRow>(`SELECT * FROM users WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`, [userId])) ?? null;
  }

  async users(tx: Tx, userIds: readonly string[]): Promise<UserRow[]> {
    if (!userIds.length) return [];
    return tx.query<UserRow>(`SELECT * FROM users WHERE user_id = ANY($1::text[])`, [[...new Set(userIds)]]);
  }

  /** Of the given ids, those that are not active users of the tenant (unknown or deactivated), with why. One query for a whole batch. */
  async notActiveUsers(tx: Tx, userIds: readonly string[]): Promise<Map<string, 'unknown' | 'deactivated'>> {
    const wanted = [...new Set(userIds)];
    const out = new Map<string, 'unknown' | 'deactivated'>();
    if (!wanted.length) return out;
    const rows = await tx.query<{ user_id: string; active: boolean }>(`SELECT user_id, active FROM users WHERE user_id = ANY($1::text[])`, [wanted]);
    const found = new Map(rows.map((r) => [r.user_id, r.active]));
    for (const id of wanted) {
      const active = found.get(id);
      if (active === undefined) out.set(id, 'unknown');
      else if (!active) out.set(id, 'deactivated');
    }
    return out;
  }

  async updateUser(tx: Tx, userId: string, changes: Record<string, unknown>): Promise<UserRow> {
    const q = new SqlParams(userId);
    return tx.one<UserRow>(`UPDATE users SET ${q.set(changes)}, version = version + 1, updated_at = now() WHERE user_id = $1 RETURNING *`, q.values);
  }

  private userFilterSql(q: SqlParams, f: UserFilterValue): string {
    return q.where([
      f.search && `(lower(name) LIKE ${q.p(`%${likeEscape(f.search.toLowerCase())}%`)} OR lower(email) LIKE ${q.p(`%${likeEscape(f.search.toLowerCase())}%`)})`,
      f.active != null && `active = ${q.p(f.active)}`,
      f.teamId && `user_id IN (SELECT user_id FROM team_members WHERE team_id = ${q.p(f.teamId)}::uuid)`,
    ]);
  }

  async userPage(tx: Tx, page: KeysetPage, f: UserFilterValue): Promise<(UserRow & KeysetRow)[]> {
    const q = new SqlParams();
    const after = page.afterSql(q.p);
    return tx.query<UserRow & { id: string; sort_key: string }>(
      `SELECT *, key AS id, ${page.sortKey} AS sort_key FROM users WHERE ${q.where([this.userFilterSql(q, f), after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
  }

  async userCount(tx: Tx, f: UserFilterValue): Promise<number> {
    const q = new SqlParams();
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE ${this.userFilterSql(q, f)}`, q.values)).n;
  }

  async insertTeam(tx: Tx, t: { id: string; name: string; leadId: string | null }): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO teams (tenant_id, id, name, lead_id) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, lower(name)) WHERE archived_at IS NULL DO NOTHING RETURNING id`,
      [tx.tenantId, t.id, t.name, t.leadId],
    );
    return rows.length > 0;
  }

  async activeTeamIdByName(tx: Tx, name: string): Promise<string | null> {
    return (await tx.maybeOne<{ id: string }>(`SELECT id FROM teams WHERE lower(name) = lower($1) AND archived_at IS NULL`, [name]))?.id ?? null;
  }

  async addMembers(tx: Tx, teamId: string, userIds: readonly string[]): Promise<number> {
    if (!userIds.length) return 0;
    const rows = await tx.query(
      `INSERT INTO team_members (tenant_id, team_id, user_id) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING RETURNING user_id`,
      [tx.tenantId, teamId, [...new Set(userIds)]],
    );
    return rows.length;
  }

  async removeMembers(tx: Tx, teamId: string, userIds: readonly string[]): Promise<number> {
    if (!userIds.length) return 0;
    const rows = await tx.query(`DELETE FROM team_members WHERE team_id = $1 AND user_id = ANY($2::text[]) RETURNING user_id`, [teamId, [...new Set(userIds)]]);
    return rows.length;
  }

  async team(tx: Tx, id: string, lock = false): Promise<TeamRow | null> {
    if (lock) await tx.query(`SELECT 1 FROM teams WHERE id = $1 FOR UPDATE`, [id]);
    return (await tx.maybeOne<TeamRow>(`${TEAM_SELECT} WHERE t.id = $1`, [id])) ?? null;
  }

  async teams(tx: Tx, ids: readonly string[]): Promise<TeamRow[]> {
    if (!ids.length) return [];
    return tx.query<TeamRow>(`${TEAM_SELECT} WHERE t.id = ANY($1::uuid[])`, [[...new Set(ids)]]);
  }

  async updateTeam(tx: Tx, id: string, changes: Record<string, unknown>): Promise<void> {
    const q = new SqlParams(id);
    const set = q.set(changes);
    await tx.query(`UPDATE teams SET ${set ? `${set}, ` : ''}version = version + 1, updated_at = now() WHERE id = $1`, q.values);
  }

  async teamPage(tx: Tx, page: KeysetPage, f: { search?: string | null; includeArchived?: boolean | null }): Promise<(TeamRow & KeysetRow)[]> {
    const q = new SqlParams();
    const after = page.afterSql(q.p);
    return tx.query<TeamRow & { sort_key: string }>(
      `${TEAM_SELECT.replace('SELECT t.*,', `SELECT t.*, ${page.sortKey} AS sort_key,`)} WHERE ${q.where([this.teamFilterSql(q, f), after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
  }

  async teamCount(tx: Tx, f: { search?: string | null; includeArchived?: boolean | null }): Promise<number> {
    const q = new SqlParams();
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM teams t WHERE ${this.teamFilterSql(q, f)}`, q.values)).n;
  }

  private teamFilterSql(q: SqlParams, f: { search?: string | null; includeArchived?: boolean | null }): string {
    return q.where([!f.includeArchived && 't.archived_at IS NULL', f.search && `lower(t.name) LIKE ${q.p(`%${likeEscape(f.search.toLowerCase())}%`)}`]);
  }

  async tenantProfile(tx: Tx, lock = false): Promise<TenantProfileRow | null> {
    return (await tx.maybeOne<TenantProfileRow>(`SELECT * FROM tenant_profiles${lock ? ' FOR UPDATE' : ''}`)) ?? null;
  }

  async upsertTenantProfile(tx: Tx, p: Omit<TenantProfileRow, 'version' | 'updated_at'>): Promise<TenantProfileRow> {
    return tx.one<TenantProfileRow>(
      `INSERT INTO tenant_profiles (tenant_id, legal_name, address, vat_id, logo_url, default_currency, time_zone, locale, fiscal_year_start_month)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id) DO UPDATE SET legal_name = EXCLUDED.legal_name, address = EXCLUDED.address, vat_id = EXCLUDED.vat_id, logo_url = EXCLUDED.logo_url,
         default_currency = EXCLUDED.default_currency, time_zone = EXCLUDED.time_zone, locale = EXCLUDED.locale,
         fiscal_year_start_month = EXCLUDED.fiscal_year_start_month, version = tenant_profiles.version + 1, updated_at = now()
       RETURNING *`,
      [tx.tenantId, p.legal_name, p.address === null ? null : JSON.stringify(p.address), p.vat_id, p.logo_url, p.default_currency, p.time_zone, p.locale, p.fiscal_year_start_month],
    );
  }
}

export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
