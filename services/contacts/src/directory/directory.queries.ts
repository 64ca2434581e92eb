import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { isUuid, keysetPage, parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type KeysetOrder } from '@crm/platform';
import { DirectoryRepository } from './directory.repository';
import { presentTeams, presentTenantProfile, presentUser } from './directory.presenter';
import type { Team, TenantProfile, User } from './directory.types';

const USER_ORDER: KeysetOrder = { name: 'users', key: 'lower(name)', dir: 'ASC', id: 'key' };
const TEAM_ORDER: KeysetOrder = { name: 'teams', key: 'lower(t.name)', dir: 'ASC', id: 't.id' };

const search = z.string().trim().max(200, 'must be at most 200 characters').nullish();
const userFilterSchema = z.object({ search, active: z.boolean().nullish(), teamId: z.string().refine(isUuid, 'is not a team id').nullish() });
const teamFilterSchema = z.object({ search, includeArchived: z.boolean().nullish() });

/** Reads of the directory: users and teams (by id, batched, and as lists by name), the tenant profile. */
@Injectable()
export class DirectoryQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  /** result[i] belongs to ids[i]; unknown ids are null. */
  async users(tenantId: string, ids: readonly string[]): Promise<(User | null)[]> {
    const rows = await this.uow.run(tenantId, (tx) => this.directory.users(tx, ids));
    const byId = new Map(rows.map((r) => [r.user_id, presentUser(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async userList(tenantId: string, args: KeysetArgs, filter: unknown, withTotal: boolean): Promise<ConnectionValue<User>> {
    const page = keysetPage(USER_ORDER, args);
    const f = parseInput(userFilterSchema, filter ?? {}, 'filter');
    return this.uow.run(tenantId, async (tx) => {
      const rows = await this.directory.userPage(tx, page, f);
      const n = withTotal ? await this.directory.userCount(tx, f) : null;
      return page.connection(rows, (r) => r.map(presentUser), n);
    });
  }

  async teams(tenantId: string, ids: readonly string[]): Promise<(Team | null)[]> {
    const valid = ids.filter(isUuid).map((i) => i.toLowerCase());
    const found = valid.length ? await this.uow.run(tenantId, async (tx) => presentTeams(tx, this.directory, await this.directory.teams(tx, valid))) : [];
    const byId = new Map(found.map((t) => [t.id, t]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  async teamList(tenantId: string, args: KeysetArgs, filter: unknown, withTotal: boolean): Promise<ConnectionValue<Team>> {
    const page = keysetPage(TEAM_ORDER, args);
    const f = parseInput(teamFilterSchema, filter ?? {}, 'filter');
    return this.uow.run(tenantId, async (tx) => {
      const rows = await this.directory.teamPage(tx, page, f);
      const n = withTotal ? await this.directory.teamCount(tx, f) : null;
      return page.connection(rows, (r) => presentTeams(tx, this.directory, r), n);
    });
  }

  async tenantProfile(tenantId: string): Promise<TenantProfile | null> {
    const row = await this.uow.run(tenantId, (tx) => this.directory.tenantProfile(tx));
    return row ? presentTenantProfile(row) : null;
  }
}
