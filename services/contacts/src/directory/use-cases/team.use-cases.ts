import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { badUserInput, conflict, invalidField, isUuid, notFound, parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { DirectoryRepository, type TeamRow } from '../directory.repository';
import { emitTeamArchived, emitTeamCreated, emitTeamUpdated } from '../directory.events';
import { presentTeams } from '../directory.presenter';
import type { CreateTeamInput, Team, UpdateTeamInput } from '../directory.types';

const teamName = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const userIds = z.array(z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters')).max(500, 'at most 500 at once');

const createSchema = z.object({ name: teamName, leadId: z.string().trim().min(1, 'must not be empty').nullish(), memberIds: userIds.nullish() });
const updateSchema = z.object({
  name: teamName.optional(),
  leadId: z.string().trim().min(1, 'must not be empty').nullish(),
  addMemberIds: userIds.optional(),
  removeMemberIds: userIds.optional(),
});

/** Each id must name an active user of the tenant: BAD_USER_INPUT naming every bad one (`input.memberIds.2`). One query. */
async function requireActiveUsers(tx: Tx, repo: DirectoryRepository, ids: { field: string; id: string }[]): Promise<void> {
  const bad = await repo.notActiveUsers(tx, ids.map((i) => i.id));
  const fields = ids.filter((i) => bad.has(i.id)).map((i) => ({ field: i.field, message: bad.get(i.id) === 'deactivated' ? `user ${i.id} is deactivated` : `user ${i.id} is not a user of this tenant` }));
  if (fields.length) throw badUserInput(fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
}

async function loadTeam(tx: Tx, repo: DirectoryRepository, id: string): Promise<TeamRow> {
  const team = isUuid(id) ? await repo.team(tx, id, true) : null;
  if (!team) throw notFound(`team ${id} does not exist`);
  return team;
}

@Injectable()
export class CreateTeam {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  async execute(ctx: RequestContext, input: CreateTeamInput): Promise<Team> {
    const v = parseInput(createSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const members = v.memberIds ?? [];
      await requireActiveUsers(tx, this.directory, [...(v.leadId ? [{ field: 'input.leadId', id: v.leadId }] : []), ...members.map((id, i) => ({ field: `input.memberIds.${i}`, id }))]);
      const id = randomUUID();
      if (!(await this.directory.insertTeam(tx, { id, name: v.name, leadId: v.leadId ?? null }))) {
        const existing = await this.directory.activeTeamIdByName(tx, v.name);
        throw conflict(`a team named "${v.name}" already exists (${existing})`, { existingTeamId: existing });
      }
      // The lead leads from inside the team.
      await this.directory.addMembers(tx, id, [...members, ...(v.leadId ? [v.leadId] : [])]);
      const team = (await this.directory.team(tx, id))!;
      await emitTeamCreated(tx, team);
      return (await presentTeams(tx, this.directory, [team]))[0];
    });
  }
}

/** Rename, change the lead, add or remove members; team.updated names what changed (`members` for membership). */
@Injectable()
export class UpdateTeam {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  async execute(ctx: RequestContext, teamId: string, input: UpdateTeamInput): Promise<Team> {
    const v = parseInput(updateSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const before = await loadTeam(tx, this.directory, teamId);
      if (before.archived_at) throw conflict(`team ${teamId} is archived`);
      const adds = v.addMemberIds ?? [];
      await requireActiveUsers(tx, this.directory, [...(v.leadId ? [{ field: 'input.leadId', id: v.leadId }] : []), ...adds.map((id, i) => ({ field: `input.addMemberIds.${i}`, id }))]);
      const lead = v.leadId === undefined ? before.lead_id : v.leadId;
      const removes = v.removeMemberIds ?? [];
      const removedLead = removes.findIndex((id) => id === lead);
      if (lead && removedLead >= 0) throw invalidField(`input.removeMemberIds.${removedLead}`, `user ${lead} leads the team; give the team another lead first`);
      const changed: string[] = [];
      const columns: Record<string, unknown> = {};
      if (v.name !== undefined && v.name !== before.name) {
        columns.name = v.name;
        changed.push('name');
      }
      if (v.leadId !== undefined && v.leadId !== before.lead_id) {
        columns.lead_id = v.leadId;
        changed.push('leadId');
      }
      const added = await this.directory.addMembers(tx, before.id, [...adds, ...(v.leadId ? [v.leadId] : [])]);
      const removed = await this.directory.removeMembers(tx, before.id, removes);
      if (added || removed) changed.push('members');
      if (!changed.length) return (await presentTeams(tx, this.directory, [before]))[0];
      if (columns.name !== undefined) {
        const clash = await this.directory.activeTeamIdByName(tx, v.name!);
        if (clash && clash !== before.id) throw conflict(`a team named "${v.name}" already exists (${clash})`, { existingTeamId: clash });
      }
      await this.directory.updateTeam(tx, before.id, columns);
      const team = (await this.directory.team(tx, before.id))!;
      await emitTeamUpdated(tx, team, changed);
      return (await presentTeams(tx, this.directory, [team]))[0];
    });
  }
}

/** Archives a team (kept for history; team filters refuse it). Archiving an archived team changes nothing. */
@Injectable()
export class ArchiveTeam {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  async execute(ctx: RequestContext, teamId: string): Promise<Team> {
    return this.uow.run(ctx.tenantId, async (tx) => {
      const before = await loadTeam(tx, this.directory, teamId);
      if (before.archived_at) return (await presentTeams(tx, this.directory, [before]))[0];
      await this.directory.updateTeam(tx, before.id, { archived_at: new Date() });
      const team = (await this.directory.team(tx, before.id))!;
      await emitTeamArchived(tx, team);
      return (await presentTeams(tx, this.directory, [team]))[0];
    });
  }
}
