import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, invalidField, isUuid, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { DirectoryRepository } from '../directory.repository';
import { emitTeamUpdated, emitUserProvisioned } from '../directory.events';
import { presentUser } from '../directory.presenter';
import { localeSchema, rolesSchema, timeZoneSchema, userEmail, userName } from '../directory-fields';
import type { CreateUserInput, User } from '../directory.types';

const schema = z.object({
  id: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  name: userName,
  email: userEmail.nullish(),
  timeZone: timeZoneSchema.nullish(),
  locale: localeSchema.nullish(),
  roles: rolesSchema,
  teamId: z.string().nullish(),
});

/**
 * An admin puts a colleague in the directory before their first sign-in, so contacts, companies and
 * deals can be assigned to them now (owners must be users of the tenant). The user appears as a
 * signed-in one would: user.provisioned (the envelope's actorid is the admin), replicated by every
 * module like any other user; joining a team is team.updated (`members`). Their first sign-in keeps
 * what is set here (ProvisionUser). An id already in the directory is a CONFLICT naming input.id.
 */
@Injectable()
export class CreateUser {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  async execute(ctx: RequestContext, input: CreateUserInput): Promise<User> {
    const v = parseInput(schema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const team = v.teamId && isUuid(v.teamId) ? await this.directory.team(tx, v.teamId, true) : null;
      if (v.teamId && !team) throw invalidField('input.teamId', `team ${v.teamId} does not exist`);
      if (team?.archived_at) throw invalidField('input.teamId', `team ${team.id} ("${team.name}") is archived`);
      const row = await this.directory.provision(
        tx,
        { userId: v.id, name: v.name, email: v.email ?? null, timeZone: v.timeZone ?? null, locale: v.locale ?? null, roles: v.roles },
        true,
      );
      if (!row) {
        const message = `user ${v.id} is already in this tenant's directory`;
        throw conflict(message, { fields: [{ field: 'input.id', message }] });
      }
      await emitUserProvisioned(tx, row);
      if (team) {
        await this.directory.addMembers(tx, team.id, [v.id]);
        await this.directory.updateTeam(tx, team.id, {});
        await emitTeamUpdated(tx, (await this.directory.team(tx, team.id))!, ['members']);
      }
      return presentUser(row);
    });
  }
}
