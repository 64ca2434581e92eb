import type { Tx } from '@crm/platform';
import { DirectoryRepository, type TeamRow, type TenantProfileRow, type UserRow } from './directory.repository';
import type { DirectoryRole, Team, TenantProfile, User } from './directory.types';

export const presentUser = (u: UserRow): User => ({
  id: u.user_id, name: u.name, email: u.email, active: u.active, timeZone: u.time_zone, locale: u.locale, roles: u.roles as DirectoryRole[],
  awaitingSignIn: u.awaiting_sign_in, version: u.version, createdAt: u.created_at, updatedAt: u.updated_at,
});

/** Teams with their lead and members resolved in one query for the whole page. */
export async function presentTeams(tx: Tx, repo: DirectoryRepository, rows: TeamRow[]): Promise<Team[]> {
  const users = new Map((await repo.users(tx, rows.flatMap((t) => [...t.member_ids, ...(t.lead_id ? [t.lead_id] : [])]))).map((u) => [u.user_id, presentUser(u)]));
  return rows.map((t) => ({
    id: t.id, name: t.name, lead: t.lead_id ? (users.get(t.lead_id) ?? null) : null,
    members: t.member_ids.map((id) => users.get(id)).filter((u): u is User => !!u).sort((a, b) => a.name.localeCompare(b.name)),
    archived: t.archived_at !== null, version: t.version, createdAt: t.created_at, updatedAt: t.updated_at,
  }));
}

export const presentTenantProfile = (p: TenantProfileRow): TenantProfile => ({
  legalName: p.legal_name,
  address: p.address,
  vatId: p.vat_id,
  logoUrl: p.logo_url,
  defaultCurrency: p.default_currency,
  timeZone: p.time_zone,
  locale: p.locale,
  fiscalYearStartMonth: p.fiscal_year_start_month,
  version: p.version,
  updatedAt: p.updated_at,
});
